// Two hub nodes on one real Redis (aedes with mqemitter-redis and aedes-persistence-redis), each a
// process of its own. Riverbend links to node A first, hillside to node B; millbrook, with food to
// spare, publishes its summary at node B. While both villages' aid requests open, update and are
// withdrawn, and millbrook's food is proposed to both (riverbend hears it through node A, hillside
// through node B), node A is SIGKILLed: riverbend fails over to B. Afterwards node B holds every
// request at its village's version, each applied once, and each village sees the other's requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import mqtt from "mqtt";
import { startRedis, type RedisServer } from "../../helpers/start-redis.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { freePort } from "../../helpers/free-port.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { getJson } from "../../helpers/get-json.ts";
import { postCropLoss } from "../../helpers/crop-assessment.ts";
import { writeCropRules } from "../../helpers/crop-rules.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { FederationHub } from "../../../gateway/federation/hub.ts";

interface HubNode {
  mqtt: string;
  api: string;
  child: ChildProcess;
}

async function startHubNode(redis: string, nodeId: string): Promise<HubNode> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    // --open-broker: this suite is about failover; hub identities are test/gateway/federation/hub-identities.test.ts.
    ["--import", "tsx", "gateway/hub-main.ts", "--villages", "riverbend,hillside,millbrook", "--host", "127.0.0.1", "--mqtt-port", String(mqttPort), "--http-port", String(httpPort), "--redis", redis, "--node-id", nodeId, "--open-broker"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const api = `http://127.0.0.1:${httpPort}/api`;
  await waitFor(`hub node ${nodeId}`, () => fetch(`${api}/health`).then((r) => r.ok, () => false), { timeoutMs: 30_000 });
  return { mqtt: `mqtt://127.0.0.1:${mqttPort}`, api, child };
}

type Gw = Awaited<ReturnType<typeof startTestGateway>>;
interface RequestView { id: string; version: number; status: string; village: string; resource: string; reason: { rule: string } }

describe("federation hub on Redis, two nodes", () => {
  let redis: RedisServer;
  let a: HubNode;
  let b: HubNode;
  let riverbend: Gw;
  let hillside: Gw;
  const rulesDir = tempDir("cs-rules-");

  beforeAll(async () => {
    const triggersFile = writeCropRules(rulesDir.path);
    redis = await startRedis();
    [a, b] = await Promise.all([startHubNode(redis.url, "hub-a"), startHubNode(redis.url, "hub-b")]);
    riverbend = await startTestGateway({ village: { id: "riverbend", name: "Riverbend", headCount: 180 }, triggersFile, federation: { hubUrls: [a.mqtt, b.mqtt], summaryIntervalMs: 2_000 } });
    hillside = await startTestGateway({ village: { id: "hillside", name: "Hillside", headCount: 170 }, triggersFile, federation: { hubUrls: [b.mqtt, a.mqtt], summaryIntervalMs: 2_000 } });
  }, 90_000);
  afterAll(async () => {
    await riverbend?.stop();
    await hillside?.stop();
    for (const node of [a, b]) node?.child.kill("SIGKILL");
    await redis?.stop();
    rulesDir.remove();
  });

  it("loses and doubles no aid request or update, when the node a village is linked to is SIGKILLed; proposals reach villages on both nodes", async () => {
    await waitFor("both links up", () => riverbend.gateway.link?.connected === true && hillside.gateway.link?.connected === true, { timeoutMs: 20_000 });
    const assess = (gw: Gw, value: number) => postCropLoss(gw.gateway.http.url, value);
    // Millbrook (a member without a gateway here) has 200 days of food; it publishes at node B.
    const millbrook = await mqtt.connectAsync(b.mqtt, { clientId: "village-millbrook" });
    const need = 170 * 2100;
    const summary = {
      village: "millbrook", headCount: 170, ts: new Date().toISOString(),
      water: { stock: null, unit: "L", dailyNeed: 2550, targetDays: 7, daysLeft: null },
      food: { stock: 200 * need, unit: "kcal", dailyNeed: need, targetDays: 30, daysLeft: 200 },
      power: { stock: null, unit: "Wh", dailyNeed: 24000, targetDays: 2, daysLeft: null },
    };
    await millbrook.publishAsync("cs/v1/fed/millbrook/summary", JSON.stringify(summary), { qos: 1, retain: true });
    const proposalsAt = async (gw: Gw) => (await getJson(`${gw.gateway.http.url}/api/federation/proposals`)).body as Array<{ id: string; from: string; to: string; resource: string; status: string }>;
    const foodFromMillbrook = (to: string) => (p: { from: string; to: string; resource: string }) => p.from === "millbrook" && p.to === to && p.resource === "food";
    // open, update, withdraw, open again, update: 5 versions over two episodes, in each village.
    const swings = [40, 55, 5, 45, 60];
    const sent = async (gw: Gw) => (await getJson(`${gw.gateway.http.url}/api/aid-requests`)).body as RequestView[];
    const received = async () => (await getJson(`${b.api}/federation/received`)).body as Array<{ id: string; version: number; status: string }>;
    const latestAtB = async () => {
      const latest = new Map<string, number>();
      for (const r of await received()) latest.set(r.id, Math.max(latest.get(r.id) ?? 0, r.version));
      return latest;
    };
    for (let i = 0; i < swings.length; i++) {
      if (i === 2) {
        // Node B has every version riverbend sent so far: what node A can take with it when it
        // dies is exactly what riverbend sends next (on a loaded machine A can lag behind by more).
        await waitFor("node B caught up with riverbend", async () => {
          const latest = await latestAtB();
          return (await sent(riverbend)).every((r) => latest.get(r.id) === r.version);
        }, { timeoutMs: 15_000 });
      }
      expect((await assess(riverbend, swings[i])).status).toBe(201);
      expect((await assess(hillside, swings[i])).status).toBe(201);
      if (i === 1) {
        // Proposals reach riverbend through node A and hillside through node B.
        await waitFor("millbrook's food proposed to both villages", async () =>
          (await proposalsAt(riverbend)).some(foodFromMillbrook("riverbend")) && (await proposalsAt(hillside)).some(foodFromMillbrook("hillside")), { timeoutMs: 15_000 }).catch(async (err) => {
          console.error("state when it failed: riverbend", JSON.stringify(await proposalsAt(riverbend)), "hillside", JSON.stringify(await proposalsAt(hillside)), "A", JSON.stringify((await getJson(`${a.api}/federation/proposals`)).body), "B", JSON.stringify((await getJson(`${b.api}/federation/proposals`)).body), "Bsum", JSON.stringify((await getJson(`${b.api}/federation/villages`)).body.map((v: { village: string }) => v.village)));
          throw err;
        });
      }
      if (i === 2) {
        // Riverbend is on node A (hillside on B); mid-stream, A dies with riverbend's messages in flight.
        expect((await getJson(`${a.api}/health`)).body.clients).toBe(1);
        const gone = new Promise((r) => a.child.once("exit", r));
        a.child.kill("SIGKILL");
        await gone;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const drained = async (gw: Gw) => {
      const { body } = await getJson(`${gw.gateway.http.url}/api/health`);
      return body.components.federation.state === "up" && body.components.federation.waiting === 0;
    };
    await waitFor("both outboxes sent, riverbend through node B", async () => (await drained(riverbend)) && (await drained(hillside)), { timeoutMs: 30_000, intervalMs: 100 });

    const mine = [...(await sent(riverbend)), ...(await sent(hillside))];
    expect(mine.filter((r) => r.village === "riverbend")).toHaveLength(4); // seeds and food, two episodes
    expect(mine.filter((r) => r.village === "hillside")).toHaveLength(4);
    // Node B ends with every request at the village's own version, each version applied once,
    // including what riverbend sent to node A before it died. A version can be missing only when a
    // later one superseded it: node A acknowledged it and died before passing it on (aedes acks
    // QoS 1 first), and the link's re-announce on reconnect sends each request's latest version.
    await waitFor("node B at every request's latest version", async () => {
      const latest = await latestAtB();
      return mine.every((r) => latest.get(r.id) === r.version);
    }, { timeoutMs: 15_000 });
    const applied = (await received()).map((r) => `${r.id}@${r.version}`);
    expect(new Set(applied).size).toBe(applied.length);
    const latest = await latestAtB();
    expect(new Map(mine.map((r) => [r.id, r.version]))).toEqual(latest);
    const superseded = mine.flatMap((r) => Array.from({ length: r.version - 1 }, (_, v) => `${r.id}@${v + 1}`)).filter((k) => !applied.includes(k));
    expect(superseded.length).toBeLessThanOrEqual(2); // at most what riverbend sent to node A after B caught up

    // Each village sees the other's requests at their latest version, through whichever node.
    for (const [gw, other] of [[riverbend, "hillside"], [hillside, "riverbend"]] as const) {
      const theirs = mine.filter((r) => r.village === other).map((r) => `${r.id}@${r.version}`).sort();
      await waitFor(`${other}'s requests at ${gw === riverbend ? "riverbend" : "hillside"}`, async () => {
        const seen = ((await getJson(`${gw.gateway.http.url}/api/federation/requests`)).body as RequestView[]).map((r) => `${r.id}@${r.version}`).sort();
        return JSON.stringify(seen) === JSON.stringify(theirs);
      }, { timeoutMs: 15_000 });
    }
    // No duplicate notification in either village, and B shows one open request per rule and resource and village.
    for (const gw of [riverbend, hillside]) {
      const opens = ((await getJson(`${gw.gateway.http.url}/api/notifications`)).body as Array<{ kind: string; ref: string }>).filter((n) => n.kind === "aid-open").map((n) => n.ref);
      expect(new Set(opens).size).toBe(opens.length);
    }
    // After the failover riverbend holds node B's current proposals for it. Two things stood in the
    // way: an older list arriving after B's answer to the summary (retained copies and session
    // queues are read from Redis after the SUBACK; lists are tagged with the summary they answer,
    // test/gateway/federation/link-proposals.test.ts), and, about one run in five under load, a
    // list B published after the failover that never reached riverbend (not diagnosed further:
    // aedes' per-broker dedupe of forwarded packets is a suspect). The hub answers every summary
    // with the current list, so the next summary (every 2 s here, 60 s by default) repairs it.
    const key = (ps: Array<{ id: string; status: string }>) => JSON.stringify(ps.map((p) => `${p.id}:${p.status}`).sort());
    await waitFor("riverbend's proposals as node B has them", async () => {
      const atB = ((await getJson(`${b.api}/federation/proposals`)).body as Array<{ id: string; from: string; to: string; status: string }>).filter((p) => p.from === "riverbend" || p.to === "riverbend");
      return atB.length > 0 && key(await proposalsAt(riverbend)) === key(atB);
    }, { timeoutMs: 15_000 }).catch(async (err) => {
      console.error("riverbend", JSON.stringify(await proposalsAt(riverbend)), "B", JSON.stringify((await getJson(`${b.api}/federation/proposals`)).body));
      throw err;
    });
    await millbrook.endAsync();

    const atB = (await getJson(`${b.api}/federation/requests`)).body as RequestView[];
    const openKeys = atB.filter((r) => r.status === "open" || r.status === "updated").map((r) => `${r.village}/${r.reason.rule}/${r.resource}`);
    expect(openKeys.sort()).toEqual(["hillside/crop-failure/food", "hillside/crop-failure/seeds", "riverbend/crop-failure/food", "riverbend/crop-failure/seeds"]);
  }, 120_000);

  it("a hub node says it is degraded while its Redis is unreachable, and ok once Redis is back", async () => {
    const own = await startRedis();
    const port = Number(new URL(own.url).port);
    const hub = new FederationHub({ villages: ["riverbend"], mqtt: { host: "127.0.0.1", port: 0 }, http: { host: "127.0.0.1", port: 0 }, redisUrl: own.url, nodeId: "hub-c", log: testLog });
    await hub.start();
    const health = async () => (await getJson(`${hub.http.url}/api/health`)).body as { status: string; redis: string };
    let back: RedisServer | undefined;
    try {
      expect(await health()).toMatchObject({ status: "ok", redis: "up" });
      await own.stop();
      await waitFor("degraded while Redis is down", async () => (await health()).status === "degraded", { timeoutMs: 15_000 });
      expect((await health()).redis).toBe("down");
      back = await startRedis(port);
      await waitFor("ok once Redis is back", async () => (await health()).status === "ok", { timeoutMs: 20_000 });
    } finally {
      await hub.stop();
      await back?.stop();
    }
  }, 60_000);

  it("a hub node whose Redis does not answer stops with a message naming it", async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "gateway/hub-main.ts", "--villages", "riverbend", "--host", "127.0.0.1", "--mqtt-port", "0", "--http-port", "0", "--redis", nobody, "--open-broker"], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`the hub did not start: cannot reach Redis at ${nobody}`);
  }, 40_000);
});
