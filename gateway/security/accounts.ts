// Circles' role accounts (nodeRed.accounts in the village configuration: bcrypt hashes, never
// passwords): who may change things. Reading never needs one. The account behind a write is
// established here, by the server, from a login session (cookie), HTTP Basic (scripts, a
// stand-alone Node-RED) or the gateway's own flows (a token made at each start, which name the
// dashboard account they act for); nothing a message says about itself is believed.
// Without accounts a gateway is read-only, unless the village opened writes to anonymous callers.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { ErrorCode } from "../../protocol/errors.ts";
import { PasswordChecker } from "./password-checker.ts";
import { ACCOUNT_POLICY, ADDRESS_POLICY, LoginThrottle } from "./login-throttle.ts";
import { Sessions, sessionIdOf, type Session } from "./sessions.ts";

export interface Account {
  name: string;
  permissions: "*" | "read";
}

export interface AccountEntry {
  account: string;
  password: string;
  permissions: "*" | "read";
}

/** Writes refused, by code: what /api/health shows under access.refusedWrites. */
export type RefusedWrites = Partial<Record<ErrorCode, number>>;

/** Who may write: accounts with "*", nobody (no accounts configured), or anyone (opened on purpose). */
export type WriteAccess = "accounts" | "read-only" | "anonymous";

export type LoginOutcome =
  | { ok: true; account: Account }
  | { ok: false; code: Extract<ErrorCode, "CS_ERR_LOGIN_FAILED" | "CS_ERR_LOGIN_THROTTLED" | "CS_ERR_LOGIN_BUSY">; retryAfterMs?: number };

/** Who a request is, as far as the server can tell. */
export type Caller =
  | { via: "flows"; name: string }
  | { via: "session"; account: Account; session: Session }
  | { via: "basic"; account: Account }
  | { via: "none" }
  | { via: "refused"; outcome: Extract<LoginOutcome, { ok: false }> };

export interface AccountsOptions {
  /** Writes from anyone, without a login: only where the village chose it (`http.anonymousWrites`). */
  anonymousWrites?: boolean;
  now?: () => number;
}

/** The account name the gateway's flows say they act for: a dashboard user's, set by the server. */
const ACTING_FOR = /^[a-z0-9_-]{2,32}$/;

export class Accounts {
  /** Bearer token of the gateway's own flows; changes at every start. */
  readonly flowsToken = randomBytes(24).toString("base64url");
  readonly sessions: Sessions;
  readonly counts = { succeeded: 0, failed: 0, throttled: 0, busy: 0 };
  /** Writes refused by the guard, by error code (gateway/api/write-guard.ts). */
  readonly refusedWrites: RefusedWrites = {};
  private readonly byName: Map<string, AccountEntry>;
  private readonly checker = new PasswordChecker();
  private readonly perAddress: LoginThrottle;
  private readonly perAccount: LoginThrottle;
  /** Basic headers already proven, so a script's every request does not cost a bcrypt check. */
  private readonly proven = new Map<string, Account>();
  private readonly anonymousWrites: boolean;

  constructor(list: ReadonlyArray<AccountEntry>, options: AccountsOptions = {}) {
    this.byName = new Map(list.map((a) => [a.account, a]));
    this.anonymousWrites = options.anonymousWrites ?? false;
    const now = options.now ?? Date.now;
    this.sessions = new Sessions(undefined, now);
    this.perAddress = new LoginThrottle(ADDRESS_POLICY, now);
    this.perAccount = new LoginThrottle(ACCOUNT_POLICY, now);
  }

  get access(): WriteAccess {
    if (this.byName.size > 0) return "accounts";
    return this.anonymousWrites ? "anonymous" : "read-only";
  }

  /**
   * Checks a password, throttled per address and per account: a throttled attempt is refused
   * before any hashing. Unknown accounts count as failures too.
   */
  async login(name: string, password: string, address: string | undefined): Promise<LoginOutcome> {
    const addressWait = address === undefined ? 0 : this.perAddress.waitMs(address);
    const wait = Math.max(addressWait, this.perAccount.waitMs(name));
    if (wait > 0) {
      this.counts.throttled++;
      // Guessing on at a locked account counts against the address too: once that address is
      // throttled, its tries are refused before the web stack (gateway/api/throttled-gate.ts).
      if (addressWait === 0 && address !== undefined) this.perAddress.failed(address);
      return { ok: false, code: "CS_ERR_LOGIN_THROTTLED", retryAfterMs: wait };
    }
    const entry = this.byName.get(name);
    let ok = false;
    if (entry) {
      const checked = this.checker.check(password, entry.password);
      if (!checked) {
        this.counts.busy++;
        return { ok: false, code: "CS_ERR_LOGIN_BUSY", retryAfterMs: 1_000 };
      }
      ok = await checked;
    }
    if (!ok) {
      this.counts.failed++;
      if (address !== undefined) this.perAddress.failed(address);
      this.perAccount.failed(name);
      return { ok: false, code: "CS_ERR_LOGIN_FAILED" };
    }
    this.counts.succeeded++;
    if (address !== undefined) this.perAddress.succeeded(address);
    this.perAccount.succeeded(name);
    return { ok: true, account: { name: entry!.account, permissions: entry!.permissions } };
  }

  /** Whether this HTTP Basic header has already been checked and found right. */
  provenBasic(authorization: string): boolean {
    const known = this.proven.get(authorization);
    return known !== undefined && this.byName.has(known.name);
  }

  /** Who the request is: the flows' token, a session cookie, or HTTP Basic (checked as a login). */
  async caller(headers: IncomingHttpHeaders, address: string): Promise<Caller> {
    const authorization = headers.authorization;
    if (this.isFlows(authorization)) {
      const actingFor = headers["x-cs-account"];
      return { via: "flows", name: typeof actingFor === "string" && ACTING_FOR.test(actingFor) ? actingFor : "flows" };
    }
    if (authorization?.startsWith("Basic ")) {
      const known = this.proven.get(authorization);
      if (known && this.byName.has(known.name)) return { via: "basic", account: known };
      const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const outcome = await this.login(decoded.slice(0, Math.max(0, colon)), decoded.slice(colon + 1), address);
      if (!outcome.ok) return { via: "refused", outcome };
      if (this.proven.size >= 1000) this.proven.clear();
      this.proven.set(authorization, outcome.account);
      return { via: "basic", account: outcome.account };
    }
    const session = this.sessions.get(sessionIdOf(headers.cookie));
    if (session && this.byName.has(session.account.name)) return { via: "session", account: session.account, session };
    return { via: "none" };
  }

  /**
   * For a login checked elsewhere (the flow editor's token endpoint, whose password check runs
   * through login() without the address): how long this address must wait, and its failures.
   */
  addressWaitMs(address: string): number {
    return this.perAddress.waitMs(address);
  }

  addressFailed(address: string): void {
    this.perAddress.failed(address);
  }

  /** The account of a logged-in browser (its session cookie), for the dashboards' socket. */
  sessionAccount(headers: IncomingHttpHeaders): Account | undefined {
    const session = this.sessions.get(sessionIdOf(headers.cookie));
    return session && this.byName.has(session.account.name) ? session.account : undefined;
  }

  isFlows(header: string | undefined): boolean {
    if (!header?.startsWith("Bearer ")) return false;
    const given = Buffer.from(header.slice(7));
    const mine = Buffer.from(this.flowsToken);
    return given.length === mine.length && timingSafeEqual(given, mine);
  }

  health() {
    return {
      writes: this.access,
      accounts: this.byName.size,
      sessions: this.sessions.size,
      logins: { ...this.counts },
      refusedWrites: { ...this.refusedWrites },
    };
  }

  async close(): Promise<void> {
    await this.checker.close();
  }
}
