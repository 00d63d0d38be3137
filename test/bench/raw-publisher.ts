// Child process of the raw aedes baseline: publishes messages of 100 readings at QoS 1 with a
// window of 20 in flight; prints the wall-clock time it started, then its CPU time per reading.
import mqtt from "mqtt";

const [url, countArg] = process.argv.slice(2);
const messages = Number(countArg) / 100;
const client = await mqtt.connectAsync(url, { clientId: "bench-pub" });
const payload = (first: number) => {
  const ts = Date.now();
  const readings = Array.from({ length: 100 }, (_, i) => ({ seq: first + i, sensor: "tank-north-level", value: 5000 + i, unit: "L", quality: "good", ts: ts + i, clock: "synced" }));
  return JSON.stringify({ device: "water-main", readings });
};
process.stdout.write(`${Date.now()}\n`);
const cpuAtStart = process.cpuUsage();
const inflight = new Set<Promise<unknown>>();
for (let sent = 0; sent < messages; sent++) {
  const p = client.publishAsync("bench/readings", payload(sent * 100 + 1), { qos: 1 });
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
  if (inflight.size >= 20) await Promise.race(inflight);
}
await Promise.all(inflight);
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(`${JSON.stringify({ cpuUs: (cpu.user + cpu.system) / (messages * 100) })}\n`);
await client.endAsync();
process.exit(0);
