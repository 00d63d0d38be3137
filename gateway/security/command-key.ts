// The gateway's command-signing key (Ed25519), made once per data directory and kept there with
// mode 0600. Its public half goes to every board at enrolment (protocol/command-signature.ts).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CommandKey {
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function loadOrCreateCommandKey(dataDir: string): CommandKey {
  const file = join(dataDir, "command-signing-key.pem");
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    // wx: two processes starting at once must not each write a key of their own.
    try {
      writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const privateKey = createPrivateKey(readFileSync(file));
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString() };
}
