// Entry point of a real edge agent: `npm run edge -- --board boards/x.yaml --gateway mqtt://host:1883`.
import { numberFlag, parseCommandLine, urlFlag, usageError } from "../lib/command-line.ts";
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import pino from "pino";
import { loadBoardFile } from "../protocol/board/load.ts";
import { EdgeAgent } from "./agent.ts";
import { CsError, isCsError } from "../protocol/errors.ts";
import { readCredentials } from "./credentials.ts";
import { stopOnSignal } from "../lib/stop-on-signal.ts";

const log = pino({ name: "edge" });

const USAGE = "npm run edge -- --board boards/<file>.yaml [--gateway mqtt://host:1883] [--data-dir ./data] [--credentials f] [--sample-interval-ms 10000] [--ca f]";
const { values } = parseCommandLine({
  options: {
    board: { type: "string" },
    gateway: { type: "string", default: process.env.CS_GATEWAY_URL ?? "mqtt://127.0.0.1:1883" },
    "data-dir": { type: "string", default: process.env.CS_DATA_DIR ?? "./data" },
    // No --password: a flag shows in `ps` to every user of the Pi. The secret comes from the
    // credentials file or the environment (CS_DEVICE_USERNAME, CS_DEVICE_PASSWORD, CS_GATEWAY_KEY).
    username: { type: "string", default: process.env.CS_DEVICE_USERNAME },
    "sample-interval-ms": { type: "string" },
    /** credentials-<device>.json from `npm run enrol` (mode 0600). */
    credentials: { type: "string", default: process.env.CS_CREDENTIALS },
    /** For an mqtts:// gateway: the village CA certificate (PEM). */
    ca: { type: "string", default: process.env.CS_GATEWAY_CA },
  },
}, USAGE);

if (!values.board) usageError("--board is required", USAGE);
const gatewayUrl = urlFlag("--gateway", values.gateway!, ["mqtt", "mqtts"], USAGE);
// Up to a board file's longest interval; down to 10 ms, below a board file's 100, for tests and
// chaos runs that need readings quickly. What is refused is a value that is not one: NaN or 0
// would have setInterval sample every millisecond.
const sampleIntervalMs = numberFlag("--sample-interval-ms", values["sample-interval-ms"], { min: 10, max: 3_600_000 }, USAGE);

/** The journal's directory, created if missing, before the agent opens anything. */
function readyDataDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new CsError("CS_ERR_CONFIG_INVALID", `--data-dir: ${(err as Error).message}`);
  }
  return dir;
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CsError("CS_ERR_CONFIG_INVALID", `--ca: ${(err as Error).message}`);
  }
}

try {
  const { board } = loadBoardFile(values.board);
  let username = values.username ?? board.id;
  let password = process.env.CS_DEVICE_PASSWORD;
  let gatewayKey = process.env.CS_GATEWAY_KEY;
  if (values.credentials) ({ username, password, gatewayKey } = readCredentials(values.credentials, log));
  if (!gatewayKey) log.warn("no gateway key (credentials file from npm run enrol, or CS_GATEWAY_KEY): every command to this board's outputs will be refused");
  const agent = new EdgeAgent({
    board,
    gatewayUrl,
    dataDir: readyDataDir(values["data-dir"]!),
    log,
    username,
    password,
    gatewayKey,
    sampleIntervalMs,
    publisher: values.ca ? { ca: readCa(values.ca) } : undefined,
  });
  await agent.start();
  stopOnSignal(() => agent.stop());
} catch (err) {
  if (isCsError(err)) {
    console.error(`${err.code}: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
