// `npm run enrol -- --board boards/water.yaml` creates the board's device identity: a random
// secret, kept at the gateway only as a scrypt hash (dataDir/identities.json) and written once for
// the edge to credentials-<device>.json with mode 0600. `--observer <name>` enrols a read-only
// client (a dashboard, a stand-alone Node-RED); `--revoke <name>` revokes one. Run it on the
// gateway, with its data directory; a running gateway follows the file within a second.
import { parseCommandLine, usageError } from "../../protocol/command-line.ts";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBoardFile } from "../../edge/board/load.ts";
import { isCsError } from "../../protocol/errors.ts";
import { IdentityStore } from "./identities.ts";

const USAGE = "npm run enrol -- --board boards/<file>.yaml [--out <dir>] | --observer <name> | --revoke <name>  [--data-dir ./data]";
const { values } = parseCommandLine({
  options: {
    board: { type: "string" },
    observer: { type: "string" },
    revoke: { type: "string" },
    "data-dir": { type: "string", default: process.env.CS_DATA_DIR ?? "./data" },
    out: { type: "string", default: "." },
  },
}, USAGE);

try {
  const dataDir = values["data-dir"]!;
  mkdirSync(dataDir, { recursive: true });
  const store = new IdentityStore(dataDir);
  if (values.revoke) {
    store.revoke(values.revoke);
    console.log(`revoked ${values.revoke}: it can no longer connect, and a running gateway drops its connections within a second`);
    process.exit(0);
  }
  const name = values.board ? loadBoardFile(values.board).board.id : values.observer;
  if (!name) usageError("--board, --observer or --revoke is required", USAGE);
  const secret = await store.enrol(name, values.board ? "device" : "observer");
  mkdirSync(values.out!, { recursive: true });
  const file = join(values.out!, `credentials-${name}.json`);
  writeFileSync(file, JSON.stringify({ username: name, password: secret }, null, 2) + "\n", { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode otherwise
  console.log(`enrolled ${name} (${values.board ? "device" : "observer"}); its secret is in ${file} (mode 0600): copy it to the edge and start it with --credentials ${file}`);
} catch (err) {
  console.error(isCsError(err) ? `${err.code}: ${err.message}` : (err as Error).message);
  process.exit(1);
}
