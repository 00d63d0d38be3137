// Entry point of the village gateway. `npm start` runs it with --simulate: embedded defaults and a
// simulated edge agent for every board in boards/.
import { parseCommandLine } from "../protocol/command-line.ts";
import pino from "pino";
import { loadBoardDir } from "../edge/board/load.ts";
import { CsError, isCsError } from "../protocol/errors.ts";
import { loadGatewayConfigFile, parseGatewayConfig } from "./config/load.ts";
import type { GatewayConfigInput } from "./config/schema.ts";
import { Gateway } from "./gateway.ts";
import { SimulatedVillage, simulatedClock } from "./simulation/simulated-village.ts";
import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";

const log = pino({ name: "gateway" });
const env = process.env;

const USAGE = "npm run gateway -- [--config village.yaml] [--simulate] [--data-dir ./data] [--host h] [--mqtt-port 1883] [--http-port 1880] [--influx-url http://host:8086/db] [--speed 1]";
const { values } = parseCommandLine({
  options: {
    config: { type: "string", default: env.CS_CONFIG },
    simulate: { type: "boolean", default: false },
    "data-dir": { type: "string", default: env.CS_DATA_DIR },
    host: { type: "string", default: env.CS_HOST },
    "mqtt-port": { type: "string", default: env.CS_MQTT_PORT },
    "http-port": { type: "string", default: env.CS_HTTP_PORT },
    "influx-url": { type: "string", default: env.CS_INFLUX_URL },
    speed: { type: "string", default: env.CS_SPEED ?? "1" },
  },
}, USAGE);

function withOverrides(input: GatewayConfigInput): unknown {
  // The simulated village is a demo on one machine: it listens on loopback unless told otherwise.
  const host = values.host ?? (values.simulate ? "127.0.0.1" : undefined);
  return {
    ...input,
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    mqtt: {
      // The demo village's simulated agents are not enrolled: its broker is open (on loopback).
      ...(values.simulate ? { requireIdentity: false } : {}),
      ...input.mqtt,
      ...(host ? { host } : {}),
      ...(values["mqtt-port"] ? { port: Number(values["mqtt-port"]) } : {}),
    },
    http: { ...input.http, ...(host ? { host } : {}), ...(values["http-port"] ? { port: Number(values["http-port"]) } : {}) },
    ...(values["influx-url"] ? { influx: { url: values["influx-url"] } } : {}),
  };
}

try {
  const source = values.config ?? "command line";
  let config = parseGatewayConfig(withOverrides(values.config ? loadGatewayConfigFile(values.config) : {}), source);
  // The demo village gets a one-off account, printed below, so that writes and the flow editor can
  // be tried; a real village lists its circles' accounts (bcrypt hashes) in its configuration, and
  // without any its gateway is read-only.
  let demoPassword: string | undefined;
  if (values.simulate && config.nodeRed.accounts.length === 0) {
    demoPassword = randomBytes(9).toString("base64url");
    const demo = { account: "maintenance", password: bcrypt.hashSync(demoPassword, 10), permissions: "*" as const };
    config = parseGatewayConfig({ ...config, nodeRed: { ...config.nodeRed, accounts: [demo] } }, source);
  }
  const boards = loadBoardDir(config.boardsDir);
  const speed = Number(values.speed);
  if (!(speed > 0)) throw new CsError("CS_ERR_CONFIG_INVALID", `--speed: ${values.speed} is not a positive number`);
  // A simulated village runs on simulated time, gateway included, so days left stay true to it.
  const now = values.simulate ? simulatedClock(speed) : Date.now;
  const gateway = new Gateway({ config, boards, log, configSource: source, now });
  await gateway.start();
  let village: SimulatedVillage | undefined;
  if (values.simulate) {
    village = new SimulatedVillage({
      boards,
      gatewayUrl: gateway.broker.url,
      gatewayKey: gateway.commands.publicKeyPem,
      dataDir: config.dataDir,
      log,
      headCount: config.village.headCount,
      speed,
      simNowMs: now,
    });
    await village.start();
  }
  console.log(`\nCommons Sense gateway for ${config.village.name} (${config.village.headCount} people)`);
  console.log(`  MQTT broker   ${gateway.broker.url}`);
  console.log(`  Health        ${gateway.http.url}/api/health`);
  console.log(`  Latest        ${gateway.http.url}/api/latest`);
  console.log(`  Readings      ${gateway.http.url}/api/readings?sensor=tank-north-level`);
  console.log(`  Reserves      ${gateway.http.url}/api/reserves`);
  console.log(`  Alerts        ${gateway.http.url}/api/alerts`);
  console.log(`  Aid requests  ${gateway.http.url}/api/aid-requests`);
  if (gateway.nodeRed) {
    console.log(`  Dashboards    ${gateway.http.url}/dashboard  (water-power, pantry, greenhouse, aid, village)`);
    if (demoPassword) console.log(`  Flow editor   ${gateway.http.url}/admin`);
  }
  if (demoPassword) console.log(`  Log in        ${gateway.http.url}/login  (demo account maintenance, password ${demoPassword})`);
  else if (gateway.accounts.access === "read-only") console.log("  Writes        off: no accounts in nodeRed.accounts, figures are read-only");
  else if (gateway.accounts.access === "anonymous") console.log("  Writes        OPEN TO ANYONE on the network (http.anonymousWrites)");
  console.log(`  Store         ${gateway.store.kind}${config.influx ? ` (${config.influx.url})` : ` (${config.dataDir})`}`);
  if (village) console.log(`  Simulation    ${village.agents.length} edge agents, model speed x${values.speed}\n`);
  const shutdown = async () => {
    await village?.stop();
    await gateway.stop();
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
