// Failed logins, per key (a network address, an account): after `freeFailures` each further
// failure doubles the wait before the next attempt is even checked, up to `maxDelayMs`. A throttled
// attempt costs no hashing, so a flood of wrong passwords costs the gateway almost nothing. A
// success clears the key; a key quiet for `forgetAfterMs` is forgotten.
export interface ThrottlePolicy {
  freeFailures: number;
  firstDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  /** Keys remembered at most; the oldest go first (an attacker's many addresses cannot fill memory). */
  maxKeys: number;
}

interface Entry {
  failures: number;
  blockedUntilMs: number;
  lastMs: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until this key may try again; 0: now. */
  waitMs(key: string): number {
    const e = this.fresh(key);
    return e ? Math.max(0, e.blockedUntilMs - this.now()) : 0;
  }

  failed(key: string): void {
    const now = this.now();
    const e = this.fresh(key) ?? { failures: 0, blockedUntilMs: 0, lastMs: now };
    e.failures++;
    e.lastMs = now;
    const over = e.failures - this.policy.freeFailures;
    if (over > 0) e.blockedUntilMs = now + Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** Math.min(over - 1, 30));
    this.entries.delete(key); // re-inserted last: the map's order is its age
    this.entries.set(key, e);
    if (this.entries.size > this.policy.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }

  private fresh(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.lastMs > this.policy.forgetAfterMs && this.now() >= e.blockedUntilMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}

/** Per address: a person mistyping gets five tries, then 1 s, 2 s, 4 s ... up to 15 minutes. */
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 5, firstDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 10_000 };
/**
 * Per account, from anywhere: looser, since an attacker can keep a shared account waiting; the
 * wait is capped at 5 minutes so the kitchen is never locked out for long.
 */
export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 20, firstDelayMs: 1_000, maxDelayMs: 5 * 60_000, forgetAfterMs: 60 * 60_000, maxKeys: 10_000 };
