// Reads the credentials file `npm run enrol` wrote for this board (--credentials). A missing,
// unreadable or malformed file stops the agent with the file named, before anything starts.
import { readFileSync, statSync } from "node:fs";
import type { Logger } from "pino";
import { z } from "zod";
import { CsError } from "../protocol/errors.ts";
import { describeIssues } from "../lib/zod-issues.ts";
import { gatewayPublicKey } from "../protocol/command-signature.ts";

/**
 * What `npm run enrol` writes (gateway/security/enrol-main.ts): the MQTT user name and secret of a
 * device identity, which is a board's id, never a person's. A file on the Pi, not a payload.
 */
const credentialsFileSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1),
  /** The gateway's command-signing public key (PEM): the agent obeys only commands it signed. */
  gatewayKey: z.string().refine((pem) => {
    try {
      gatewayPublicKey(pem);
      return true;
    } catch {
      return false;
    }
  }, "not an Ed25519 public key in PEM: enrol the board again").optional(),
});

export function readCredentials(path: string, log: Logger): z.infer<typeof credentialsFileSchema> {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) log.warn({ file: path, mode: mode.toString(8) }, "credentials file is readable by others: chmod 600 it");
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CsError("CS_ERR_CONFIG_INVALID", `--credentials: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CsError("CS_ERR_CONFIG_INVALID", `${path}: not the JSON npm run enrol writes: ${(err as Error).message}`);
  }
  const parsed = credentialsFileSchema.safeParse(json);
  if (!parsed.success) throw new CsError("CS_ERR_CONFIG_INVALID", describeIssues(parsed.error).map((issue) => `${path}: ${issue}`).join("; "));
  return parsed.data;
}
