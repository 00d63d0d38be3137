// Child process of the raw aedes baseline: publishes messages of 100 readings at QoS 1 with as
// many readings in flight as the full path's producer (closed-loop.ts); prints the wall-clock time
// it started, then its CPU time per reading.
import mqtt from "mqtt";
import { READINGS_IN_FLIGHT, READINGS_PER_MESSAGE } from "./closed-loop.ts";

const [url, countArg] = process.argv.slice(2);
const messages = Number(countArg) / READINGS_PER_MESSAGE;
// Until 2026-12-03 the window was 20 messages, a fifth of the full path's: raw aedes ran 1.1-1.5x
// faster with the same window as the full path, which gains nothing from a larger one.
const window = READINGS_IN_FLIGHT / READINGS_PER_MESSAGE;
const client = await mqtt.connectAsync(url, { clientId: "bench-pub" });
const payload = (first: number) => {
  const ts = Date.now();
  const readings = Array.from({ length: READINGS_PER_MESSAGE }, (_, i) => ({ seq: first + i, sensor: "tank-north-level", value: 5000 + i, unit: "L", quality: "good", ts: ts + i, clock: "synced" }));
  return JSON.stringify({ device: "water-main", readings });
};
process.stdout.write(`${Date.now()}\n`);
const cpuAtStart = process.cpuUsage();
const inflight = new Set<Promise<unknown>>();
for (let sent = 0; sent < messages; sent++) {
  const p = client.publishAsync("bench/readings", payload(sent * READINGS_PER_MESSAGE + 1), { qos: 1 });
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
  if (inflight.size >= window) await Promise.race(inflight);
}
await Promise.all(inflight);
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(`${JSON.stringify({ cpuUs: (cpu.user + cpu.system) / (messages * READINGS_PER_MESSAGE) })}\n`);
await client.endAsync();
process.exit(0);
