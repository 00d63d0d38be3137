// The federation hub knows its villages: a real hub process (`npm run hub`) with each village's
// identity enrolled in its data directory. A village may publish only its own summary, requests and
// answers; one publishing another village's request at a higher version, or a surplus in its name,
// is refused and counted, and the other village's own figures stand. A real village gateway links
// with its identity; unknown, missing and borrowed identities cannot connect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import mqtt from "mqtt";
import { IdentityStore } from "../../../gateway/security/identities.ts";
import { type AidRequest, type ReserveSummary } from "../../../protocol/federation.ts";
import { fedTopic } from "../../../protocol/topics.ts";
import { freePort } from "../../helpers/free-port.ts";
import { getJson } from "../../helpers/get-json.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { waitFor } from "../../helpers/wait-for.ts";

function request(village: string, version: number, amount: number): AidRequest {
  return {
    id: `${village}:water-below-3-days#1:0`, village, resource: "water", quantity: [{ amount, unit: "L" }], urgency: "Emergency",
    neededBy: "2026-12-10T00:00:00.000Z", duration: "temporary", alternativesTried: [], enables: "drinking water", status: version === 1 ? "open" : "updated",
    version, reason: { rule: "water-below-3-days", figures: {} }, updatedAt: new Date().toISOString(),
  };
}

function summary(village: string, waterStock: number): ReserveSummary {
  const domain = (stock: number, unit: string, dailyNeed: number) => ({ stock, unit, dailyNeed, targetDays: 7, daysLeft: stock / dailyNeed });
  return { village, headCount: 180, ts: new Date().toISOString(), water: domain(waterStock, "L", 2_700), food: domain(1e7, "kcal", 378_000), power: domain(10_000, "Wh", 24_000), offers: [] };
}

describe("federation hub identities", () => {
  const dir = tempDir("cs-hub-");
  let hub: ChildProcess;
  let mqttUrl: string;
  let api: string;
  const secrets = new Map<string, string>();
  let riverbend: Awaited<ReturnType<typeof startTestGateway>>;

  beforeAll(async () => {
    // As `npm run enrol -- --village <id> --data-dir <hub's>` does.
    const store = new IdentityStore(dir.path);
    for (const v of ["riverbend", "hillside"]) secrets.set(v, await store.enrol(v, "village"));
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    hub = spawn(process.execPath, ["--import", "tsx", "gateway/hub-main.ts", "--villages", "riverbend,hillside", "--host", "127.0.0.1", "--mqtt-port", String(mqttPort), "--http-port", String(httpPort), "--data-dir", dir.path], { stdio: ["ignore", "ignore", "inherit"] });
    mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    api = `http://127.0.0.1:${httpPort}/api`;
    await waitFor("the hub", () => fetch(`${api}/health`).then((r) => r.ok, () => false), { timeoutMs: 30_000 });
    riverbend = await startTestGateway({ village: { id: "riverbend", name: "Riverbend", headCount: 180 }, federation: { hubUrl: mqttUrl, secret: secrets.get("riverbend"), summaryIntervalMs: 1_000 } });
  }, 90_000);
  afterAll(async () => {
    await riverbend?.stop();
    hub?.kill("SIGTERM");
    dir.remove();
  });

  const as = (village: string, clientId = village) =>
    mqtt.connectAsync(mqttUrl, { clientId, username: village, password: secrets.get(village), reconnectPeriod: 0, connectTimeout: 5_000 });
  const refusedPublishes = async () => (await getJson(`${api}/health`)).body.refused.publish as number;

  it("a real village gateway links with its identity, and its summary reaches the hub", async () => {
    await waitFor("riverbend's summary at the hub", async () => (await getJson(`${api}/federation/villages`)).body.find((s: ReserveSummary) => s.village === "riverbend"));
    expect(riverbend.gateway.link?.connected).toBe(true);
  });

  it("a village publishing another village's request or surplus is refused and counted; its own is taken", async () => {
    const hillside = await as("hillside");
    await hillside.publishAsync(fedTopic("hillside", "aid-requests"), JSON.stringify(request("hillside", 1, 4_000)), { qos: 1 });
    await waitFor("hillside's own request", async () => (await getJson(`${api}/federation/requests`)).body.find((r: AidRequest) => r.village === "hillside"));
    await hillside.endAsync();

    const before = await refusedPublishes();
    // Each forgery on a connection of its own: the broker cuts a client whose publish it refuses.
    const forgeries: Array<[string, unknown]> = [
      [fedTopic("riverbend", "aid-requests"), request("riverbend", 99, 1)], // a higher version would freeze riverbend's own
      [fedTopic("riverbend", "summary"), summary("riverbend", 900_000)], // a surplus the hub would hand out
      [fedTopic("riverbend", "proposal-replies"), { proposalId: "any", accept: true }],
    ];
    for (const [topic, payload] of forgeries) {
      const forger = await as("hillside");
      forger.publish(topic, JSON.stringify(payload), { qos: 0 });
      await new Promise<void>((r) => forger.once("close", () => r()));
    }
    await waitFor("three refusals counted", async () => (await refusedPublishes()) >= before + 3);
    const health = (await getJson(`${api}/health`)).body;
    expect(health.access).toBe("identities");
    expect(health.lastRefusals.filter((r: { identity: string; action: string }) => r.identity === "hillside" && r.action === "publish").map((r: { topic: string }) => r.topic)).toEqual(forgeries.map(([t]) => t));
    expect((await getJson(`${api}/federation/requests`)).body.filter((r: AidRequest) => r.village === "riverbend")).toEqual([]);
    const riverbendSummary = (await getJson(`${api}/federation/villages`)).body.find((s: ReserveSummary) => s.village === "riverbend");
    expect(riverbendSummary.water.stock).not.toBe(900_000);
    expect((await getJson(`${api}/federation/proposals`)).body).toEqual([]);
    // Nobody in reach can give: the need is shown as uncovered, to anyone who reads the hub.
    expect((await getJson(`${api}/federation/needs`)).body).toEqual([expect.objectContaining({ village: "hillside", resource: "water", asked: 4_000, inTransit: 0, uncovered: 4_000 })]);
    expect((await getJson(`${api}/health`)).body.uncoveredNeeds).toEqual(["hillside: water 4000 L"]);
  });

  it("an unknown, a missing or a borrowed identity cannot connect", async () => {
    const code = (p: Promise<unknown>) => p.then(() => 0, (err: { code?: number }) => err.code);
    expect(await code(mqtt.connectAsync(mqttUrl, { clientId: "stranger", username: "stranger", password: "x", reconnectPeriod: 0 }))).toBe(4);
    expect(await code(mqtt.connectAsync(mqttUrl, { clientId: "anonymous", reconnectPeriod: 0 }))).toBe(5);
    expect(await code(mqtt.connectAsync(mqttUrl, { clientId: "riverbend", username: "hillside", password: secrets.get("hillside"), reconnectPeriod: 0 }))).toBe(2);
    expect(riverbend.gateway.link?.connected).toBe(true); // riverbend was not pushed off
  });
});
