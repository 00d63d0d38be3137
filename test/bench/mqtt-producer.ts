// Child process of the MING peer benchmark: the same readings as the edge producer (messages of 100
// on the device's readings topic, at most 10,000 unanswered), published the only way the peer stack
// lets a board publish: MQTT.js at QoS 1, a PUBACK from mosquitto counting as delivered. Prints
// "started", "half" (with --report-half, when half are sent) and at the end its CPU per reading.
import mqtt from "mqtt";
import { deviceTopic } from "../../protocol/topics.ts";
import { READINGS_IN_FLIGHT, READINGS_PER_MESSAGE } from "./closed-loop.ts";

const [url, countArg, flag] = process.argv.slice(2);
const readings = Number(countArg);
const messages = readings / READINGS_PER_MESSAGE;
const window = READINGS_IN_FLIGHT / READINGS_PER_MESSAGE;
const client = await mqtt.connectAsync(url, { clientId: "ming-board", clean: false, reconnectPeriod: 100 });
const topic = deviceTopic("readings", "water-main");
// One millisecond per reading, ending now: every point has its own time, as the edge's clock gives.
const firstTs = Date.now() - readings;
const payload = (first: number) =>
  JSON.stringify({
    device: "water-main",
    readings: Array.from({ length: READINGS_PER_MESSAGE }, (_, i) => ({ seq: first + i, sensor: "tank-north-level", value: 5000 + i, unit: "L", quality: "good", ts: firstTs + first + i, clock: "synced" })),
  });
process.stdout.write("started\n");
const cpuAtStart = process.cpuUsage();
const inflight = new Set<Promise<unknown>>();
for (let sent = 0; sent < messages; sent++) {
  if (flag === "--report-half" && sent === Math.floor(messages / 2)) process.stdout.write("half\n");
  const p = client.publishAsync(topic, payload(sent * READINGS_PER_MESSAGE + 1), { qos: 1 });
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
  if (inflight.size >= window) await Promise.race(inflight);
}
await Promise.all(inflight);
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(`${JSON.stringify({ cpuUs: (cpu.user + cpu.system) / readings })}\n`);
await client.endAsync();
process.exit(0);
