// The store goes down under the gateway (a real influxd, stopped and started): the gateway holds
// what it could not write and retries, so everything is acknowledged soon after the store is back,
// without waiting for the edges to resend; what exceeds the held maximum is left unacknowledged
// for the edges to resend, and is stored once when they do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { deviceTopic } from "../../../protocol/topics.ts";
import { startInfluxd, type Influxd } from "../../helpers/start-influxd.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { getJson } from "../../helpers/get-json.ts";

const TS = Date.UTC(2026, 10, 22, 10, 0, 0);
const reading = (seq: number) => ({ seq, sensor: "tank-north-level", value: 5000 + seq, unit: "L", quality: "good", ts: TS + seq * 1000, clock: "synced" });
const batch = (from: number, to: number) => JSON.stringify({ device: "water-main", readings: Array.from({ length: to - from + 1 }, (_, i) => reading(from + i)) });

describe("ingest while the store is down", () => {
  let influxd: Influxd;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let client: MqttClient;
  const acked = new Set<number>();

  beforeAll(async () => {
    influxd = await startInfluxd();
    gw = await startTestGateway({ influx: { url: influxd.url, database: "outage" }, ingest: { flushMs: 20, maxHeldPoints: 300, retryMs: 200 } });
    client = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "water-main" });
    await client.subscribeAsync(deviceTopic("ack", "water-main"), { qos: 1 });
    client.on("message", (_t, p) => {
      for (const [from, to] of (JSON.parse(p.toString()) as { ranges: [number, number][] }).ranges) for (let s = from; s <= to; s++) acked.add(s);
    });
  }, 60_000);
  afterAll(async () => {
    await client?.endAsync();
    await gw?.stop();
    await influxd?.dispose();
  });

  it("acknowledges nothing while influxd is down, then everything it held within a few retries of its return", async () => {
    await client.publishAsync(deviceTopic("readings", "water-main"), batch(1, 10), { qos: 1 });
    await waitFor("the first batch acknowledged", () => acked.size === 10);
    await influxd.stop();
    for (let s = 11; s <= 310; s += 100) await client.publishAsync(deviceTopic("readings", "water-main"), batch(s, s + 99), { qos: 1 });
    // 300 held; the next 100 do not fit and stay with the edge.
    await client.publishAsync(deviceTopic("readings", "water-main"), batch(311, 410), { qos: 1 });
    await waitFor("write attempts failing", () => gw.gateway.ingest.counters.writeFailures >= 2, { timeoutMs: 20_000 });
    expect(acked.size).toBe(10);
    expect(gw.gateway.ingest.counters.deferred).toBe(100);
    // Health says so, naming the store and why, with the status a supervisor acts on.
    const down = await getJson(`${gw.gateway.http.url}/api/health`);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe("degraded");
    expect(down.body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^store refusing writes since \d{4}-.*: .+\(readings wait in the devices' journals\)$/)]));

    await influxd.start();
    const back = Date.now();
    await waitFor("the held readings acknowledged", () => acked.size === 310, { timeoutMs: 20_000, intervalMs: 20 });
    // Without holding, nothing would come before the edge's acknowledgement timeout (15 s).
    expect(Date.now() - back).toBeLessThan(5_000);
    expect([...acked].some((s) => s > 310)).toBe(false);
    const back503 = await getJson(`${gw.gateway.http.url}/api/health`);
    expect(back503.status).toBe(200);
    expect(back503.body.problems.filter((p: string) => p.startsWith("store")), "no store problem once it writes again").toEqual([]);

    // The edge resends what was never acknowledged: stored once, every sequence present.
    await client.publishAsync(deviceTopic("readings", "water-main"), batch(311, 410), { qos: 1 });
    await waitFor("the resent readings acknowledged", () => acked.size === 410, { timeoutMs: 20_000 });
    const seqs = await gw.gateway.store.sequences("water-main");
    expect(seqs).toEqual(Array.from({ length: 410 }, (_, i) => i + 1));
  }, 90_000);
});
