// `npm run enrol -- --board boards/water.yaml` creates the board's device identity: a random
// secret, kept at the gateway only as a scrypt hash (dataDir/identities.json) and written once for
// the edge to credentials-<device>.json with mode 0600. `--observer <name>` enrols a read-only
// client (a dashboard, a stand-alone Node-RED); `--revoke <name>` revokes one. Run it on the
// gateway, with its data directory; a running gateway follows the file within a second.
import { parseCommandLine, usageError } from "../../lib/command-line.ts";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { isCsError } from "../../protocol/errors.ts";
import { IdentityStore } from "./identities.ts";
import { loadOrCreateCommandKey } from "./command-key.ts";

const USAGE = "npm run enrol -- --board boards/<file>.yaml [--out <dir>] | --observer <name> | --village <id> | --revoke <name>  [--data-dir ./data]";
const { values } = parseCommandLine({
  options: {
    board: { type: "string" },
    observer: { type: "string" },
    /** A village's identity at the federation hub: run with the hub's --data-dir. */
    village: { type: "string" },
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
  const name = values.board ? loadBoardFile(values.board).board.id : (values.observer ?? values.village);
  if (!name) usageError("--board, --observer, --village or --revoke is required", USAGE);
  const role = values.board ? "device" : values.village ? "village" : "observer";
  const secret = await store.enrol(name, role);
  mkdirSync(values.out!, { recursive: true });
  const file = join(values.out!, `credentials-${name}.json`);
  // A board also learns the key that proves its commands come from this gateway.
  const extra = role === "device" ? { gatewayKey: loadOrCreateCommandKey(dataDir).publicKeyPem } : {};
  writeFileSync(file, JSON.stringify({ username: name, password: secret, ...extra }, null, 2) + "\n", { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode otherwise
  const how = role === "village"
    ? `put its username and password into the village's configuration as federation.identity and federation.secret`
    : `copy it to the edge and start it with --credentials ${file}`;
  console.log(`enrolled ${name} (${role}); its secret is in ${file} (mode 0600): ${how}`);
} catch (err) {
  console.error(isCsError(err) ? `${err.code}: ${err.message}` : (err as Error).message);
  process.exit(1);
}
