// Starts a village gateway from its command line: flags, configuration file, the gateway, the
// start-up banner, and shutdown on SIGINT/SIGTERM. gateway/main.ts runs it for a real village;
// simulation/main.ts (`npm start`) passes a `simulation` that adds an edge agent for every board,
// so that the gateway itself never imports the edge.
import pino, { type Logger } from "pino";
import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { exitOnStartError, parseCommandLine } from "../lib/command-line.ts";
import { loadBoardDir } from "../protocol/board/load.ts";
import type { LoadedBoard } from "../protocol/board/check.ts";
import { CsError, isCsError } from "../protocol/errors.ts";
import { loadGatewayConfigFile, parseGatewayConfig } from "./config/load.ts";
import type { GatewayConfig, GatewayConfigInput } from "./config/schema.ts";
import { Gateway } from "./gateway.ts";
import { stopOnSignal } from "../lib/stop-on-signal.ts";

/** What a simulated village adds to the gateway: its clock, and agents started once it is up. */
export interface Simulation {
  clock(speed: number): () => number;
  start(o: { gateway: Gateway; config: GatewayConfig; boards: readonly LoadedBoard[]; log: Logger; speed: number; now: () => number }): Promise<{ stop(): Promise<void>; banner: string }>;
}

export async function startGatewayCommand(o: { usage: string; simulation?: Simulation }): Promise<void> {
  const log = pino({ name: "gateway" });
  const env = process.env;
  const simulate = o.simulation !== undefined;
  const { values } = parseCommandLine({
    options: {
      config: { type: "string", default: env.CS_CONFIG },
      "data-dir": { type: "string", default: env.CS_DATA_DIR },
      host: { type: "string", default: env.CS_HOST },
      "mqtt-port": { type: "string", default: env.CS_MQTT_PORT },
      "http-port": { type: "string", default: env.CS_HTTP_PORT },
      "influx-url": { type: "string", default: env.CS_INFLUX_URL },
      ...(simulate ? { speed: { type: "string" as const, default: env.CS_SPEED ?? "1" } } : {}),
    },
  }, o.usage);

  const withOverrides = (input: GatewayConfigInput): unknown => {
    // The simulated village is a demo on one machine: it listens on loopback unless told otherwise.
    const host = values.host ?? (simulate ? "127.0.0.1" : undefined);
    return {
      ...input,
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
      mqtt: {
        // The demo village's simulated agents are not enrolled: its broker is open (on loopback).
        ...(simulate ? { requireIdentity: false } : {}),
        ...input.mqtt,
        ...(host ? { host } : {}),
        ...(values["mqtt-port"] ? { port: Number(values["mqtt-port"]) } : {}),
      },
      http: { ...input.http, ...(host ? { host } : {}), ...(values["http-port"] ? { port: Number(values["http-port"]) } : {}) },
      ...(values["influx-url"] ? { influx: { url: values["influx-url"] } } : {}),
      // The demo village sounds its water tower's siren for Emergencies, as docs/configuration.md suggests.
      ...(simulate && !input.alarms ? { alarms: { outputs: [{ device: "water-main", output: "alarm-siren" }] } } : {}),
    };
  };

  try {
    const source = values.config ?? "command line";
    let config = parseGatewayConfig(withOverrides(values.config ? loadGatewayConfigFile(values.config) : {}), source);
    // The demo village gets a one-off account, printed below, so that writes and the flow editor can
    // be tried; a real village lists its circles' accounts (bcrypt hashes) in its configuration, and
    // without any its gateway is read-only.
    let demoPassword: string | undefined;
    if (simulate && config.nodeRed.accounts.length === 0) {
      demoPassword = randomBytes(9).toString("base64url");
      const demo = { account: "maintenance", password: bcrypt.hashSync(demoPassword, 10), permissions: "*" as const };
      config = parseGatewayConfig({ ...config, nodeRed: { ...config.nodeRed, accounts: [demo] } }, source);
    }
    const boards = loadBoardDir(config.boardsDir);
    const speed = Number((values as { speed?: string }).speed ?? "1");
    if (!(speed > 0)) throw new CsError("CS_ERR_CONFIG_INVALID", `--speed: ${String((values as { speed?: string }).speed)} is not a positive number`);
    // A simulated village runs on simulated time, gateway included, so days left stay true to it.
    const now = o.simulation ? o.simulation.clock(speed) : Date.now;
    const gateway = new Gateway({ config, boards, log, configSource: source, now });
    await gateway.start();
    const simulated = await o.simulation?.start({ gateway, config, boards, log, speed, now });
    console.log(`\nCommons Sense gateway for ${config.village.name} (${config.village.headCount} people)`);
    console.log(`  MQTT broker   ${gateway.broker.url}`);
    console.log(`  Health        ${gateway.http.url}/api/health`);
    console.log(`  Latest        ${gateway.http.url}/api/latest`);
    console.log(`  Readings      ${gateway.http.url}/api/readings?sensor=tank-north-level`);
    console.log(`  Reserves      ${gateway.http.url}/api/reserves`);
    console.log(`  Alerts        ${gateway.http.url}/api/alerts`);
    console.log(`  Aid requests  ${gateway.http.url}/api/aid-requests`);
    if (gateway.nodeRed) {
      console.log(`  Dashboards    ${gateway.http.url}/dashboard  (overview, water-power, pantry, greenhouse, aid, village)`);
      if (demoPassword) console.log(`  Flow editor   ${gateway.http.url}/admin`);
    }
    if (demoPassword) console.log(`  Log in        ${gateway.http.url}/login  (demo account maintenance, password ${demoPassword})`);
    else if (gateway.accounts.access === "read-only") console.log("  Writes        off: no accounts in nodeRed.accounts, figures are read-only");
    else if (gateway.accounts.access === "anonymous") console.log("  Writes        OPEN TO ANYONE on the network (http.anonymousWrites)");
    console.log(`  Store         ${gateway.store.kind}${config.influx ? ` (${config.influx.url})` : ` (${config.dataDir})`}`);
    if (simulated) console.log(`  Simulation    ${simulated.banner}\n`);
    stopOnSignal(async () => {
      await simulated?.stop();
      await gateway.stop();
    });
  } catch (err) {
    if (isCsError(err)) {
      console.error(`${err.code}: ${err.message}`);
      process.exit(1);
    }
    exitOnStartError(err, "the gateway");
  }
}
