// Entry point of a real edge agent: `npm run edge -- --board boards/x.yaml --gateway mqtt://host:1883`.
import { numberFlag, parseCommandLine, urlFlag, usageError } from "../protocol/command-line.ts";
import { readFileSync, statSync } from "node:fs";
import pino from "pino";
import { loadBoardFile } from "./board/load.ts";
import { EdgeAgent } from "./agent.ts";
import { isCsError } from "../protocol/errors.ts";

const log = pino({ name: "edge" });

const USAGE = "npm run edge -- --board boards/<file>.yaml [--gateway mqtt://host:1883] [--data-dir ./data] [--credentials f | --username u --password p] [--sample-interval-ms 10000] [--ca f]";
const { values } = parseCommandLine({
  options: {
    board: { type: "string" },
    gateway: { type: "string", default: process.env.CS_GATEWAY_URL ?? "mqtt://127.0.0.1:1883" },
    "data-dir": { type: "string", default: process.env.CS_DATA_DIR ?? "./data" },
    username: { type: "string", default: process.env.CS_DEVICE_USERNAME },
    password: { type: "string", default: process.env.CS_DEVICE_PASSWORD },
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

try {
  const { board } = loadBoardFile(values.board);
  let username = values.username ?? board.id;
  let password = values.password;
  if (values.credentials) {
    const mode = statSync(values.credentials).mode & 0o777;
    if (mode & 0o077) log.warn({ file: values.credentials, mode: mode.toString(8) }, "credentials file is readable by others: chmod 600 it");
    ({ username, password } = JSON.parse(readFileSync(values.credentials, "utf8")) as { username: string; password: string });
  }
  const agent = new EdgeAgent({
    board,
    gatewayUrl,
    dataDir: values["data-dir"]!,
    log,
    username,
    password,
    sampleIntervalMs,
    publisher: values.ca ? { ca: readFileSync(values.ca) } : undefined,
  });
  await agent.start();
  const shutdown = async () => {
    await agent.stop();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
} catch (err) {
  if (isCsError(err)) {
    console.error(`${err.code}: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
