// A flood of wrong passwords from one address is answered before express: once the address is
// throttled, its next login or unproven HTTP Basic write is refused here, with the answer the
// login route or the write guard would give, without passing compression, helmet, the body
// parsers and the router (about 1 ms of the event loop each, which a health probe queued behind
// 50 of them felt: its p99 was 60-90 ms under a flood of 1,000).
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { CsError } from "../../protocol/errors.ts";
import type { Accounts } from "../security/accounts.ts";
import { loginPage, LOGIN_MESSAGES } from "./login-routes.ts";

/** As helmet sets them on the login page and the API (gateway/api/http-server.ts). */
const HEADERS = {
  "content-security-policy": "default-src 'none';style-src 'unsafe-inline';form-action 'self';frame-ancestors 'none'",
  "x-frame-options": "SAMEORIGIN",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** Where a request would check a password: POST /login, or a write carrying HTTP Basic not yet proven. */
function checksPassword(req: IncomingMessage, accounts: Accounts): "login" | "write" | undefined {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return undefined;
  const path = req.url?.split("?")[0];
  if (path === "/login") return "login";
  const authorization = req.headers.authorization;
  if (path?.startsWith("/api/") && authorization?.startsWith("Basic ") && !accounts.provenBasic(authorization)) return "write";
  return undefined;
}

export function throttledGate(accounts: Accounts, next: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const kind = checksPassword(req, accounts);
    const waitMs = kind ? accounts.addressWaitMs(req.socket.remoteAddress ?? "?") : 0;
    if (!kind || waitMs <= 0) return next(req, res);
    accounts.counts.throttled++;
    if (kind === "write") accounts.refusedWrites.CS_ERR_LOGIN_THROTTLED = (accounts.refusedWrites.CS_ERR_LOGIN_THROTTLED ?? 0) + 1;
    req.resume(); // the body is not read: let it drain so the connection can be reused
    const headers = { ...HEADERS, "retry-after": String(Math.ceil(waitMs / 1000)) };
    const json = kind === "write" || req.headers["content-type"]?.split(";")[0].trim() === "application/json";
    if (json) {
      const err = new CsError("CS_ERR_LOGIN_THROTTLED");
      res.writeHead(429, { ...headers, "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ code: err.code, message: err.message }));
    } else {
      res.writeHead(429, { ...headers, "content-type": "text/html; charset=utf-8" }).end(loginPage("/dashboard", LOGIN_MESSAGES.CS_ERR_LOGIN_THROTTLED, accounts.access));
    }
  };
}
