// `npm run backup -- --to <folder>` copies the gateway's data directory (the readings store, the
// trigger state, identities, keys, Node-RED's flows) while the gateway runs. Restoring is putting
// the folder back as the data directory with the gateway stopped (docs/operations.md).
import { parseCommandLine, usageError, VERSION } from "../lib/command-line.ts";
import { backupDataDir } from "../lib/data-dir-backup.ts";

const USAGE = "npm run backup -- --to <new folder> [--data-dir ./data]";
const { values } = parseCommandLine({
  options: {
    to: { type: "string" },
    "data-dir": { type: "string", default: process.env.CS_DATA_DIR ?? "./data" },
  },
}, USAGE);
if (!values.to) usageError("--to is required", USAGE);

try {
  const started = performance.now();
  const manifest = backupDataDir(values["data-dir"]!, values.to, {
    version: VERSION,
    onFile: (file, ms) => console.log(`copied ${file.path} (${(file.bytes / 1e6).toFixed(1)} MB${file.schemaVersion === undefined ? "" : `, schema version ${file.schemaVersion}`}) in ${(ms / 1000).toFixed(1)} s`),
  });
  const mb = manifest.files.reduce((sum, f) => sum + f.bytes, 0) / 1e6;
  console.log(`backup of ${manifest.from} in ${values.to}: ${manifest.files.length} files, ${mb.toFixed(1)} MB, ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
