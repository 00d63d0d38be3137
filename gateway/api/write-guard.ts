// Every /api request that changes something passes here first: refused from another origin, then
// it needs an account with write permission that the server established (see
// gateway/security/accounts.ts), and a browser session must also send its CSRF token. The account
// goes into res.locals.account for the write audit. Reading is open to everyone.
import type { RequestHandler, Response } from "express";
import { CsError, type ErrorCode } from "../../protocol/errors.ts";
import type { Accounts, RefusedWrites } from "../security/accounts.ts";
import { isSameOrigin } from "./origin-check.ts";

export const CSRF_HEADER = "x-csrf-token";

const STATUS: Partial<Record<ErrorCode, number>> = {
  CS_ERR_ORIGIN_REFUSED: 403,
  CS_ERR_CSRF_TOKEN: 403,
  CS_ERR_WRITES_DISABLED: 403,
  CS_ERR_LOGIN_FAILED: 401,
  CS_ERR_LOGIN_THROTTLED: 429,
  CS_ERR_LOGIN_BUSY: 503,
};

export function refuse(res: Response, err: CsError, status = STATUS[err.code] ?? 401, retryAfterMs?: number): void {
  const counts = res.locals.refusedWrites as RefusedWrites | undefined;
  if (counts) counts[err.code] = (counts[err.code] ?? 0) + 1;
  if (retryAfterMs) res.set("retry-after", String(Math.ceil(retryAfterMs / 1000)));
  res.status(status).json({ code: err.code, message: err.message });
}

export function writeGuard(accounts: Accounts, allowedOrigins: readonly string[] = []): RequestHandler {
  return async (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    res.locals.refusedWrites = accounts.refusedWrites;
    if (!isSameOrigin(req.headers, allowedOrigins)) {
      return refuse(res, new CsError("CS_ERR_ORIGIN_REFUSED", `a page on ${req.headers.origin ?? "another site"} may not change anything here`));
    }
    const caller = await accounts.caller(req.headers, req.socket.remoteAddress ?? "?");
    if (caller.via === "refused") return refuse(res, new CsError(caller.outcome.code), undefined, caller.outcome.retryAfterMs);
    if (caller.via === "flows") {
      res.locals.account = caller.name;
      return next();
    }
    if (caller.via === "none") {
      if (accounts.access === "anonymous") {
        res.locals.account = "anonymous";
        return next();
      }
      if (accounts.access === "read-only") {
        return refuse(res, new CsError("CS_ERR_WRITES_DISABLED", "this gateway has no accounts, so its figures are read-only: add nodeRed.accounts to the village configuration"));
      }
      return refuse(res, new CsError("CS_ERR_LOGIN_REQUIRED", "changing things needs a login: open /login"), 401);
    }
    if (caller.via === "session" && req.headers[CSRF_HEADER] !== caller.session.csrfToken) {
      return refuse(res, new CsError("CS_ERR_CSRF_TOKEN", `send the token from GET /api/session in ${CSRF_HEADER}`));
    }
    if (caller.account.permissions !== "*") {
      return refuse(res, new CsError("CS_ERR_LOGIN_REQUIRED", `account ${caller.account.name} may only read`), 403);
    }
    res.locals.account = caller.account.name;
    next();
  };
}
