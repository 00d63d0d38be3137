// Device identities of a village: one per board (and read-only observers), each a random secret
// the gateway keeps only as a scrypt hash, in identities.json in its data directory. Revoking an
// identity stops it connecting; the broker also drops it if it is connected.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { existsSync, readFileSync, renameSync, unwatchFile, watchFile, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A board, a read-only client (a dashboard), or a village at the federation hub. */
export type Role = "device" | "observer" | "village";

export interface Identity {
  name: string;
  role: Role;
  /** scrypt$N$r$p$salt$hash, base64 parts. */
  secretHash: string;
  createdAt: string;
  revokedAt?: string;
}

const PARAMS: ScryptOptions & { N: number; r: number; p: number } = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function derive(secret: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, 32, { ...o, maxmem: PARAMS.maxmem }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, PARAMS);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [kind, N, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !hash) return false;
  const key = await derive(secret, Buffer.from(salt, "base64"), { N: Number(N), r: Number(r), p: Number(p) });
  const expected = Buffer.from(hash, "base64");
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Names the broker accepts: no MQTT wildcards or level separators, nothing that looks like a path. */
export const IDENTITY_NAME = /^[a-z0-9][a-z0-9-]{1,62}$/;

export class IdentityStore {
  private readonly file: string;
  private identities = new Map<string, Identity>();

  /** `load: false` leaves the file unread until reload(): a gateway reads it when it starts. */
  constructor(dataDir: string, { load = true }: { load?: boolean } = {}) {
    this.file = join(dataDir, "identities.json");
    if (load) this.reload();
  }

  reload(): void {
    const list: Identity[] = existsSync(this.file) ? JSON.parse(readFileSync(this.file, "utf8")) : [];
    this.identities = new Map(list.map((i) => [i.name, i]));
  }

  /**
   * Follows changes made by `npm run enrol` while the gateway runs; calls back with the names
   * revoked since the last look, so their connections can be dropped.
   */
  watch(onRevoked: (names: string[]) => void): () => void {
    const listener = () => {
      const before = new Set(this.list().filter((i) => i.revokedAt).map((i) => i.name));
      try {
        this.reload();
      } catch {
        return; // a half-written file: the next change brings the whole one
      }
      const revoked = this.list().filter((i) => i.revokedAt && !before.has(i.name)).map((i) => i.name);
      if (revoked.length) onRevoked(revoked);
    };
    watchFile(this.file, { interval: 500 }, listener);
    return () => unwatchFile(this.file, listener);
  }

  get(name: string): Identity | undefined {
    return this.identities.get(name);
  }

  list(): Identity[] {
    return [...this.identities.values()];
  }

  /** A new identity (or a new secret for an existing one); returns the secret, shown once. */
  async enrol(name: string, role: Role): Promise<string> {
    if (!IDENTITY_NAME.test(name)) throw new Error(`identity "${name}": lower-case letters, digits and dashes only`);
    const secret = randomBytes(24).toString("base64url");
    const secretHash = await hashSecret(secret);
    // Only now: a reload while hashing replaces the map, and the new identity must land in it.
    this.identities.set(name, { name, role, secretHash, createdAt: new Date().toISOString() });
    this.save();
    return secret;
  }

  revoke(name: string): void {
    const identity = this.identities.get(name);
    if (!identity) throw new Error(`no identity "${name}"`);
    identity.revokedAt = new Date().toISOString();
    this.save();
  }

  /** The identity these credentials prove, or undefined (unknown, revoked or wrong secret). */
  async authenticate(name: string | undefined, secret: string | undefined): Promise<Identity | undefined> {
    const identity = name ? this.identities.get(name) : undefined;
    if (!identity || identity.revokedAt || !secret) return undefined;
    return (await verifySecret(secret, identity.secretHash)) ? identity : undefined;
  }

  private save(): void {
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(this.list(), null, 2), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
