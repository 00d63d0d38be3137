// Entry point of the federation hub: `npm run hub -- --villages riverbend,hillside,...`. With
// `--redis redis://host:6379` it is one node of a hub that several processes (or machines) share;
// `--tls-cert/--tls-key` make its listener mqtts:// for links that leave the building.
// `--escalate-to mqtt://outside:1884 --escalate-as <region>` sends needs nobody in reach covers to
// a hub outside the region (gateway/federation/escalation.ts); the secret comes from
// CS_HUB_ESCALATE_SECRET, not the command line, which every user of the machine can read.
import { exitOnStartError, numberFlag, parseCommandLine, urlFlag, usageError } from "../lib/command-line.ts";
import pino from "pino";
import { idSchema } from "../protocol/payloads.ts";
import { FederationHub } from "./federation/hub.ts";
import { loadRegionFile, regionVillages, type Region } from "./federation/region.ts";
import { isCsError } from "../protocol/errors.ts";
import { IdentityStore } from "./security/identities.ts";
import { mkdirSync } from "node:fs";
import { stopOnSignal } from "../lib/stop-on-signal.ts";
import { join } from "node:path";
import { Escalation } from "./federation/escalation.ts";

const log = pino({ name: "hub" });
const env = process.env;
const USAGE = "npm run hub -- --villages riverbend,hillside | --region region.yaml [--data-dir ./hub-data] [--mqtt-port 1884] [--http-port 1881] [--redis redis://host:6379 --node-id hub-a] [--tls-cert f --tls-key f] [--escalate-to mqtt://host:port --escalate-as <id> [--escalate-ca f] [--escalate-after-minutes 60]] [--open-broker]";
const { values } = parseCommandLine({
  options: {
    villages: { type: "string", default: env.CS_HUB_VILLAGES },
    host: { type: "string", default: env.CS_HOST ?? "0.0.0.0" },
    "mqtt-port": { type: "string", default: env.CS_HUB_MQTT_PORT ?? "1884" },
    "http-port": { type: "string", default: env.CS_HUB_HTTP_PORT ?? "1881" },
    redis: { type: "string", default: env.CS_HUB_REDIS },
    region: { type: "string", default: env.CS_HUB_REGION },
    "node-id": { type: "string", default: env.CS_HUB_NODE_ID },
    "tls-cert": { type: "string", default: env.CS_HUB_TLS_CERT },
    "tls-key": { type: "string", default: env.CS_HUB_TLS_KEY },
    /** The villages' hub identities (npm run enrol -- --village <id> --data-dir <this>). */
    "data-dir": { type: "string", default: env.CS_DATA_DIR ?? "./hub-data" },
    /** Any client may connect and publish for any village: test harnesses only, and said loudly. */
    "open-broker": { type: "boolean", default: false },
    "escalate-to": { type: "string", default: env.CS_HUB_ESCALATE_TO },
    "escalate-as": { type: "string", default: env.CS_HUB_ESCALATE_AS },
    "escalate-ca": { type: "string", default: env.CS_HUB_ESCALATE_CA },
    "escalate-after-minutes": { type: "string", default: env.CS_HUB_ESCALATE_AFTER_MINUTES ?? "60" },
  },
}, USAGE);

let region: Region | undefined;
try {
  region = values.region ? loadRegionFile(values.region) : undefined;
} catch (err) {
  if (!isCsError(err)) throw err;
  console.error(`${err.code}: ${err.message}`);
  process.exit(1);
}
const villages = region ? regionVillages(region) : (values.villages ?? "").split(",").map((v) => v.trim()).filter(Boolean);
const bad = villages.filter((v) => !idSchema.safeParse(v).success);
if (villages.length === 0 || bad.length) {
  usageError(bad.length ? `invalid village ids: ${bad.join(", ")}` : "--villages or --region is required", USAGE);
}
const mqttPort = numberFlag("--mqtt-port", values["mqtt-port"], { min: 0, max: 65_535 }, USAGE)!;
const httpPort = numberFlag("--http-port", values["http-port"], { min: 0, max: 65_535 }, USAGE)!;
if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) {
  usageError("--tls-cert and --tls-key go together", USAGE);
}
if (values.redis) urlFlag("--redis", values.redis, ["redis"], USAGE);
if (Boolean(values["escalate-to"]) !== Boolean(values["escalate-as"])) usageError("--escalate-to and --escalate-as go together", USAGE);
if (values["escalate-to"]) urlFlag("--escalate-to", values["escalate-to"], ["mqtt", "mqtts"], USAGE);
if (values["escalate-as"] && !idSchema.safeParse(values["escalate-as"]).success) usageError(`--escalate-as: "${values["escalate-as"]}" is not an id (lower-case letters, digits and dashes)`, USAGE);
const escalateAfterMinutes = numberFlag("--escalate-after-minutes", values["escalate-after-minutes"], { min: 0, max: 10_080, whole: false }, USAGE)!;
let identities: IdentityStore | undefined;
if (values["open-broker"]) {
  log.warn("--open-broker: ANY client may connect and publish summaries and aid requests in any village's name");
} else {
  try {
    mkdirSync(values["data-dir"]!, { recursive: true });
    identities = new IdentityStore(values["data-dir"]!);
  } catch (err) {
    console.error(`CS_ERR_CONFIG_INVALID: --data-dir: ${(err as Error).message}`);
    process.exit(1);
  }
  const enrolled = new Set(identities.list().filter((i) => i.role === "village" && !i.revokedAt).map((i) => i.name));
  const missing = villages.filter((v) => !enrolled.has(v));
  if (missing.length) log.warn({ missing }, `villages without a hub identity cannot connect: npm run enrol -- --village <id> --data-dir ${values["data-dir"]}`);
}
let escalation: Escalation | undefined;
try {
  if (values["escalate-to"]) {
    mkdirSync(values["data-dir"]!, { recursive: true });
    escalation = new Escalation({
      url: values["escalate-to"], as: values["escalate-as"]!, secret: env.CS_HUB_ESCALATE_SECRET, caFile: values["escalate-ca"],
      afterMs: escalateAfterMinutes * 60_000, stateFile: join(values["data-dir"]!, "escalations.json"), log: log.child({ module: "escalation" }),
    });
  }
} catch (err) {
  console.error(`CS_ERR_CONFIG_INVALID: ${(err as Error).message}`);
  process.exit(1);
}
const hub = new FederationHub({
  escalation,
  identities,
  villages,
  region,
  redisUrl: values.redis,
  nodeId: values["node-id"],
  mqtt: {
    host: values.host!,
    port: mqttPort,
    ...(values["tls-cert"] ? { tls: { certFile: values["tls-cert"], keyFile: values["tls-key"]! } } : {}),
  },
  http: { host: values.host!, port: httpPort },
  log,
});
const unwatch = identities?.watch((names) => names.forEach((n) => hub.broker.disconnectIdentity(n)));
try {
  await hub.start();
} catch (err) {
  if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") exitOnStartError(err, "the hub");
  // Redis unreachable, a certificate that cannot be read: say which, and stop.
  console.error(`the hub did not start: ${(err as Error).message}`);
  process.exit(1);
}
console.log(`Commons Sense federation hub for ${villages.length} villages${region ? ` in ${region.federations.length} federations, ${region.stockpiles.length} stockpiles` : ""}${values.redis ? `, node ${values["node-id"] ?? "(unnamed)"} on ${values.redis}` : ""}`);
console.log(`  MQTT       ${hub.broker.url}`);
console.log(`  Proposals  ${hub.http.url}/api/federation/proposals`);
if (escalation) console.log(`  Escalating to ${escalation.view().to} as ${values["escalate-as"]}: ${hub.http.url}/api/federation/escalated`);
stopOnSignal(async () => {
  unwatch?.();
  await hub.stop();
});
