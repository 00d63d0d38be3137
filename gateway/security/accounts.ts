// Circles' role accounts (nodeRed.accounts in the village configuration: bcrypt hashes, never
// passwords): who may change things from a browser. Reading never needs one. The flows running
// inside the gateway write with a token made at each start, and say which account they act for.
import { randomBytes, timingSafeEqual } from "node:crypto";
import bcrypt from "bcryptjs";
import type { RequestHandler } from "express";

export interface Account {
  name: string;
  permissions: "*" | "read";
}

export class Accounts {
  /** Bearer token of the gateway's own flows; changes at every start. */
  readonly flowsToken = randomBytes(24).toString("base64url");
  private readonly verified = new Map<string, Account | null>();

  constructor(private readonly list: ReadonlyArray<{ account: string; password: string; permissions: "*" | "read" }>) {}

  /** Are there accounts at all? Without any, writes stay open (and the gateway says so). */
  get required(): boolean {
    return this.list.length > 0;
  }

  /** The account an Authorization: Basic header proves, if any (bcrypt checks are cached). */
  fromBasic(header: string | undefined): Account | undefined {
    if (!header?.startsWith("Basic ")) return undefined;
    const cached = this.verified.get(header);
    if (cached !== undefined) return cached ?? undefined;
    const [name, ...rest] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
    const entry = this.list.find((a) => a.account === name);
    const account = entry && bcrypt.compareSync(rest.join(":"), entry.password) ? { name, permissions: entry.permissions } : null;
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(header, account);
    return account ?? undefined;
  }

  isFlows(header: string | undefined): boolean {
    if (!header?.startsWith("Bearer ")) return false;
    const given = Buffer.from(header.slice(7));
    const mine = Buffer.from(this.flowsToken);
    return given.length === mine.length && timingSafeEqual(given, mine);
  }

  /** Writes (anything but GET) need an account with write permission, or the gateway's flows. */
  writeGuard(): RequestHandler {
    return (req, res, next) => {
      if (!this.required || req.method === "GET" || req.method === "HEAD") return next();
      if (this.isFlows(req.headers.authorization)) return next();
      const account = this.fromBasic(req.headers.authorization);
      if (account?.permissions === "*") return next();
      res.status(account ? 403 : 401)
        .set(account ? {} : { "www-authenticate": 'Basic realm="Commons Sense"' })
        .json({ code: "CS_ERR_LOGIN_REQUIRED", message: account ? `account ${account.name} may only read` : "changing things needs a login: GET /login" });
    };
  }

  /** GET /login: the browser asks for an account, then goes to the dashboards carrying it. */
  loginRoute(): RequestHandler {
    return (req, res) => {
      const account = this.fromBasic(req.headers.authorization);
      if (!account) {
        res.status(401).set("www-authenticate", 'Basic realm="Commons Sense"').send("Log in with your circle's account.");
        return;
      }
      res.redirect(302, typeof req.query.to === "string" && req.query.to.startsWith("/dashboard") ? req.query.to : "/dashboard");
    };
  }
}
