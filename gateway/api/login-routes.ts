// Logging in from a browser: GET /login is a form, POST /login checks the account (throttled, off
// the event loop) and sets the session cookie, POST /logout ends it, GET /api/session says who is
// logged in and gives the CSRF token for writes. A script may POST JSON to /login as well.
import express from "express";
import { CsError } from "../../protocol/errors.ts";
import type { Accounts } from "../security/accounts.ts";
import { SESSION_COOKIE, sessionIdOf } from "../security/sessions.ts";
import { isSameOrigin } from "./origin-check.ts";
import { refuse } from "./write-guard.ts";

export interface LoginRoutesOptions {
  accounts: Accounts;
  allowedOrigins: readonly string[];
  /** Cookies only over HTTPS: set when the gateway serves TLS. */
  secureCookies: boolean;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Where to go after logging in: a page of this gateway's dashboards, never another site. */
function landing(to: unknown): string {
  return typeof to === "string" && /^\/dashboard(\/[A-Za-z0-9/_-]*)?$/.test(to) ? to : "/dashboard";
}

export function loginPage(to: string, message: string, access: string): string {
  const note = access === "read-only" ? "<p class=note>This gateway has no accounts yet: its figures are read-only.</p>" : "";
  return `<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1">
<title>Log in - Commons Sense</title><style>body{font:18px system-ui,sans-serif;max-width:24em;margin:2em auto;padding:0 1em}
label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3em 0}input,button{font-size:1em;padding:.6em}
.msg{color:#a00;font-weight:bold}.note{color:#555}</style></head><body><h1>Log in</h1>
<p>Use your circle's account (for example <i>kitchen</i> or <i>maintenance</i>) to change counts, settings or outputs. Everything can be read without logging in.</p>${note}
${message ? `<p class=msg role=alert>${escapeHtml(message)}</p>` : ""}
<form method=post action=/login><input type=hidden name=to value="${escapeHtml(to)}">
<label for=account>Account</label><input id=account name=account autocomplete=username autocapitalize=none required>
<label for=password>Password</label><input id=password name=password type=password autocomplete=current-password required>
<button type=submit>Log in</button></form><p><a href="${escapeHtml(to)}">Back to the figures</a></p></body></html>`;
}

export const LOGIN_MESSAGES: Record<string, string> = {
  CS_ERR_LOGIN_FAILED: "That account and password do not match. Check the account name and try again.",
  CS_ERR_LOGIN_THROTTLED: "Too many wrong passwords. Wait a little, then try again.",
  CS_ERR_LOGIN_BUSY: "The gateway is busy checking other logins. Try again in a moment.",
};

export function loginRoutes(app: express.Express, o: LoginRoutesOptions): void {
  const cookie = (value: string, maxAgeS: number) =>
    `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${o.secureCookies ? "; Secure" : ""}`;
  const wantsJson = (req: express.Request) => req.is("application/json") === "application/json";

  app.get("/login", (req, res) => {
    res.type("html").send(loginPage(landing(req.query.to), "", o.accounts.access));
  });

  app.post("/login", express.urlencoded({ extended: false, limit: "4kb" }), express.json({ limit: "4kb" }), async (req, res) => {
    const to = landing(req.body?.to);
    // Login CSRF: another site must not log a visitor in to an account of its choosing.
    if (!isSameOrigin(req.headers, o.allowedOrigins)) return refuse(res, new CsError("CS_ERR_ORIGIN_REFUSED", "log in from this gateway's own page"));
    const name = typeof req.body?.account === "string" ? req.body.account.trim() : "";
    const password = typeof req.body?.password === "string" ? req.body.password : "";
    const outcome = await o.accounts.login(name, password, req.socket.remoteAddress ?? "?");
    if (!outcome.ok) {
      if (outcome.retryAfterMs) res.set("retry-after", String(Math.ceil(outcome.retryAfterMs / 1000)));
      const status = outcome.code === "CS_ERR_LOGIN_THROTTLED" ? 429 : outcome.code === "CS_ERR_LOGIN_BUSY" ? 503 : 401;
      if (wantsJson(req)) return refuse(res, new CsError(outcome.code), status, outcome.retryAfterMs);
      return res.status(status).type("html").send(loginPage(to, LOGIN_MESSAGES[outcome.code], o.accounts.access));
    }
    o.accounts.sessions.close(sessionIdOf(req.headers.cookie)); // a new login never reuses an old session id
    const session = o.accounts.sessions.open(outcome.account);
    res.set("set-cookie", cookie(session.id, Math.round(o.accounts.sessions.idleMs / 1000)));
    if (wantsJson(req)) return res.json({ account: outcome.account.name, permissions: outcome.account.permissions, csrfToken: session.csrfToken });
    res.redirect(303, to);
  });

  app.post("/logout", (req, res) => {
    if (!isSameOrigin(req.headers, o.allowedOrigins)) return refuse(res, new CsError("CS_ERR_ORIGIN_REFUSED", "log out from this gateway's own page"));
    o.accounts.sessions.close(sessionIdOf(req.headers.cookie));
    res.set("set-cookie", cookie("", 0));
    res.redirect(303, "/login");
  });
}

/** GET /api/session: who this browser is logged in as, and the CSRF token its writes must carry. */
export function sessionRoute(accounts: Accounts): express.RequestHandler {
  return (req, res) => {
    const session = accounts.sessions.get(sessionIdOf(req.headers.cookie));
    res.set("cache-control", "no-store");
    res.json(session
      ? { account: session.account.name, permissions: session.account.permissions, csrfToken: session.csrfToken, writes: accounts.access }
      : { account: null, writes: accounts.access, login: "/login" });
  };
}
