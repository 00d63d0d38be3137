// Browser logins: a random session id in an HttpOnly, SameSite=Strict cookie, and a CSRF token
// that a script on the gateway's own pages reads from GET /api/session and sends back with each
// write. Kept in memory: a gateway restart asks people to log in again, which is the safe side.
import { randomBytes } from "node:crypto";
import type { Account } from "./accounts.ts";

export const SESSION_COOKIE = "cs_session";

export interface Session {
  id: string;
  account: Account;
  csrfToken: string;
  lastSeenMs: number;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(
    /** A session unused this long ends: a kitchen tablet stays logged in for two weeks of use. */
    readonly idleMs = 14 * 24 * 3_600_000,
    private readonly now: () => number = Date.now,
    private readonly maxSessions = 10_000,
  ) {}

  open(account: Account): Session {
    const session: Session = { id: randomBytes(24).toString("base64url"), account, csrfToken: randomBytes(24).toString("base64url"), lastSeenMs: this.now() };
    this.byId.set(session.id, session);
    if (this.byId.size > this.maxSessions) this.byId.delete(this.byId.keys().next().value!);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    const session = id ? this.byId.get(id) : undefined;
    if (!session) return undefined;
    if (this.now() - session.lastSeenMs > this.idleMs) {
      this.byId.delete(session.id);
      return undefined;
    }
    session.lastSeenMs = this.now();
    return session;
  }

  close(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  /** Sessions open now, for /api/health. */
  get size(): number {
    return this.byId.size;
  }
}

/** The session id in a Cookie header, if any. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
