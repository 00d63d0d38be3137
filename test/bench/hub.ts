// The federation hub: aid-request throughput with one node and with two nodes on Redis, and the
// time of a full region rematch. Two nodes replicate the hub (each applies every message), so they
// buy availability, not throughput; the figure shows what that costs.
import { spawn, type ChildProcess } from "node:child_process";
import mqtt, { type MqttClient } from "mqtt";
import { matchNeeds } from "../../gateway/federation/matching.ts";
import { loadRegionFile, regionVillages } from "../../gateway/federation/region.ts";
import type { AidRequest, ReserveSummary } from "../../protocol/federation.ts";
import { fedTopic } from "../../protocol/topics.ts";

import { freePort } from "../helpers/free-port.ts";
import { startRedis } from "../helpers/start-redis.ts";
import { waitFor } from "../helpers/wait-for.ts";

const VILLAGES = Array.from({ length: 20 }, (_, i) => `v${String(i + 1).padStart(2, "0")}`);

function aidRequest(village: string, version: number): AidRequest {
  return {
    id: `${village}:water-below-3-days#1:0`, village, resource: "water", quantity: [{ amount: 5_000 + version, unit: "L" }], urgency: "Emergency",
    neededBy: "2026-12-01T00:00:00.000Z", duration: "temporary", alternativesTried: [], enables: "drinking water", status: version === 1 ? "open" : "updated",
    version, reason: { rule: "water-below-3-days", figures: {} }, updatedAt: new Date().toISOString(),
  };
}

async function startNode(redisUrl: string | undefined, id: string): Promise<{ mqttUrl: string; api: string; child: ChildProcess }> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const args = ["--import", "tsx", "gateway/hub-main.ts", "--villages", VILLAGES.join(","), "--host", "127.0.0.1", "--mqtt-port", String(mqttPort), "--http-port", String(httpPort), "--open-broker"];
  if (redisUrl) args.push("--redis", redisUrl, "--node-id", id);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, LOG_LEVEL: "warn" } });
  const api = `http://127.0.0.1:${httpPort}/api`;
  await waitFor(`hub node ${id}`, () => fetch(`${api}/health`).then((r) => r.ok, () => false), { timeoutMs: 30_000 });
  return { mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, api, child };
}

/** Aid-request versions per second that every node has applied, villages spread over the nodes. */
export async function hubThroughput(nodes: 1 | 2, messages: number): Promise<number> {
  const redis = nodes === 2 ? await startRedis() : undefined;
  const started = await Promise.all(Array.from({ length: nodes }, (_, i) => startNode(redis?.url, `hub-${i}`)));
  const clients: MqttClient[] = [];
  try {
    for (const [i, v] of VILLAGES.entries()) clients.push(await mqtt.connectAsync(started[i % nodes].mqttUrl, { clientId: `village-${v}` }));
    const perVillage = Math.ceil(messages / VILLAGES.length);
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        for (let version = 1; version <= perVillage; version++) {
          await c.publishAsync(fedTopic(VILLAGES[i], "aid-requests"), JSON.stringify(aidRequest(VILLAGES[i], version)), { qos: 1 });
        }
      }),
    );
    const total = perVillage * VILLAGES.length;
    for (const node of started) {
      await waitFor("every version applied", async () => ((await (await fetch(`${node.api}/health`)).json()) as { received: number }).received >= total, { timeoutMs: 120_000, intervalMs: 20 });
    }
    return total / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()));
    for (const node of started) {
      const gone = new Promise((r) => node.child.once("exit", r));
      node.child.kill("SIGTERM");
      await gone;
    }
    await redis?.stop();
  }
}

/**
 * A full rematch of the example region (10 federations, 220 villages): every village's summary,
 * a tenth of the villages asking for water and food. Median wall time of `runs`, ms.
 */
export function regionRematchMs(runs: number): { ms: number; villages: number; requests: number; proposals: number } {
  const region = loadRegionFile("gateway/federation/regions/example-region.yaml");
  const federationOf = new Map(region.federations.flatMap((f) => f.villages.map((v) => [v, f.id] as const)));
  const villages = regionVillages(region);
  const summaries = new Map<string, ReserveSummary>();
  const requests: AidRequest[] = [];
  villages.forEach((v, i) => {
    const short = i % 10 === 0;
    const water = short ? 2_000 : 7 * 3_450 + 1_000 + (i % 7) * 800;
    summaries.set(v, {
      village: v, headCount: 230, ts: "2026-11-23T00:00:00.000Z",
      water: { stock: water, unit: "L", dailyNeed: 3_450, targetDays: 7, daysLeft: water / 3_450 },
      food: { stock: short ? 0 : 230 * 2_100 * 40, unit: "kcal", dailyNeed: 230 * 2_100, targetDays: 30, daysLeft: short ? 0 : 40 },
      power: { stock: 10_000, unit: "Wh", dailyNeed: 24_000, targetDays: 2, daysLeft: 0.4 },
      offers: [],
    });
    if (short) {
      requests.push({ ...aidRequest(v, 1), quantity: [{ amount: 20_000, unit: "L" }] });
      requests.push({ ...aidRequest(v, 1), id: `${v}:food-low#1:0`, resource: "food", quantity: [{ amount: 230 * 2_100 * 20, unit: "kcal" }], reason: { rule: "food-low", figures: {} } });
    }
  });
  const view = { federationOf: (v: string) => federationOf.get(v), stockpiles: region.stockpiles };
  const times: number[] = [];
  let proposals = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    proposals = matchNeeds(requests, summaries, { get: () => undefined }, [], { region: view }).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], villages: villages.length, requests: requests.length, proposals };
}
