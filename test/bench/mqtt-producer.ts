// Child process of the MING peer benchmark: the same readings as the edge producer (messages of 100
// on the device's readings topic, at most 10,000 unanswered), published the only way the peer stack
// lets a board publish: MQTT.js at QoS 1, a PUBACK from mosquitto counting as delivered. Prints
// "started", "half" (with --report-half, when half are sent) and at the end its CPU per reading;
// with --warm-up=<readings>, sends those first and waits for "go" (warm-up.ts).
import mqtt from "mqtt";
import { deviceTopic } from "../../protocol/topics.ts";
import { READINGS_IN_FLIGHT, READINGS_PER_MESSAGE } from "./closed-loop.ts";
import { warmedWaitForGo, warmUpReadings } from "./warm-up.ts";

const [url, countArg, ...flags] = process.argv.slice(2);
const readings = Number(countArg);
const warmUp = warmUpReadings(flags);
const window = READINGS_IN_FLIGHT / READINGS_PER_MESSAGE;
const client = await mqtt.connectAsync(url, { clientId: "ming-board", clean: false, reconnectPeriod: 100 });
const topic = deviceTopic("readings", "water-main");
// One millisecond per reading, ending now: every point has its own time, as the edge's clock gives.
const firstTs = Date.now() - warmUp - readings;
const payload = (first: number) =>
  JSON.stringify({
    device: "water-main",
    readings: Array.from({ length: READINGS_PER_MESSAGE }, (_, i) => ({ seq: first + i, sensor: "tank-north-level", value: 5000 + i, unit: "L", quality: "good", ts: firstTs + first + i, clock: "synced" })),
  });

/** Publishes `count` readings from message `from` on, at most `window` messages unacknowledged. */
async function produce(from: number, count: number, half?: () => void): Promise<void> {
  const messages = count / READINGS_PER_MESSAGE;
  const inflight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < messages; sent++) {
    if (half && sent === Math.floor(messages / 2)) half();
    const p = client.publishAsync(topic, payload((from + sent) * READINGS_PER_MESSAGE + 1), { qos: 1 });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

if (warmUp > 0) {
  await produce(0, warmUp);
  await warmedWaitForGo();
}
process.stdout.write("started\n");
const cpuAtStart = process.cpuUsage();
await produce(warmUp / READINGS_PER_MESSAGE, readings, flags.includes("--report-half") ? () => process.stdout.write("half\n") : undefined);
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(`${JSON.stringify({ cpuUs: (cpu.user + cpu.system) / readings })}\n`);
await client.endAsync();
process.exit(0);
