// Entry point of the federation hub: `npm run hub -- --villages riverbend,hillside,...`.
import { parseArgs } from "node:util";
import pino from "pino";
import { idSchema } from "../protocol/payloads.ts";
import { FederationHub } from "./federation/hub.ts";

const log = pino({ name: "hub" });
const env = process.env;
const { values } = parseArgs({
  options: {
    villages: { type: "string", default: env.CS_HUB_VILLAGES },
    host: { type: "string", default: env.CS_HOST ?? "0.0.0.0" },
    "mqtt-port": { type: "string", default: env.CS_HUB_MQTT_PORT ?? "1884" },
    "http-port": { type: "string", default: env.CS_HUB_HTTP_PORT ?? "1881" },
  },
});

const villages = (values.villages ?? "").split(",").map((v) => v.trim()).filter(Boolean);
const bad = villages.filter((v) => !idSchema.safeParse(v).success);
if (villages.length === 0 || bad.length) {
  console.error(`usage: npm run hub -- --villages riverbend,hillside [--mqtt-port 1884] [--http-port 1881]${bad.length ? `\ninvalid village ids: ${bad.join(", ")}` : ""}`);
  process.exit(2);
}
const hub = new FederationHub({
  villages,
  mqtt: { host: values.host!, port: Number(values["mqtt-port"]) },
  http: { host: values.host!, port: Number(values["http-port"]) },
  log,
});
await hub.start();
console.log(`Commons Sense federation hub for ${villages.length} villages`);
console.log(`  MQTT       ${hub.broker.url}`);
console.log(`  Proposals  ${hub.http.url}/api/federation/proposals`);
const shutdown = async () => {
  await hub.stop();
  process.exit(0);
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
