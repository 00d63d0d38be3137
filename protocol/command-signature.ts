// Commands carry the village gateway's signature (Ed25519), so an edge obeys only its own
// gateway: a rogue broker, or anything that reaches the board's topic, cannot forge one. The
// gateway keeps the private key in its data directory; `npm run enrol` gives each board the public
// key in its credentials file. The signature covers every field of the command, in a fixed order.
import { createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { Command } from "./commands.ts";

function signedBytes(c: Command): Buffer {
  return Buffer.from(JSON.stringify([c.id, c.target.device, c.target.output, c.action, c.value ?? null, c.issuer, c.reason ?? null, c.issuedAt, c.expiresAt]));
}

export function signCommand(command: Command, privateKey: KeyObject): Command {
  return { ...command, signature: sign(null, signedBytes(command), privateKey).toString("base64") };
}

/** Is the command signed by the key given (PEM or KeyObject)? */
export function isSignedBy(command: Command, publicKey: KeyObject): boolean {
  if (!command.signature) return false;
  try {
    return verify(null, signedBytes(command), publicKey, Buffer.from(command.signature, "base64"));
  } catch {
    return false;
  }
}

/** A gateway's public key from its PEM text; throws with the reason when it is not one. */
export function gatewayPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`not an Ed25519 key but ${key.asymmetricKeyType}`);
  return key;
}
