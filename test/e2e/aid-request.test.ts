// A village gateway and a federation hub over real MQTT: readings raise an alert even while the
// store is down, an assessment's aid request reaches the hub, and its withdrawal follows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FederationHub } from "../../gateway/federation/hub.ts";
import { deviceTopic } from "../../protocol/topics.ts";
import { freePort } from "../helpers/free-port.ts";
import { getJson } from "../helpers/get-json.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { foodDonorHillside } from "../helpers/food-donor.ts";

describe("village gateway with a federation hub", () => {
  const dir = tempDir();
  let hub: FederationHub;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let api: string;

  beforeAll(async () => {
    const hubPort = await freePort();
    hub = new FederationHub({ villages: ["riverbend", "hillside"], mqtt: { host: "127.0.0.1", port: hubPort }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await hub.start();
    const rules = join(dir.path, "rules.yaml");
    writeFileSync(
      rules,
      `rules:
  - id: crop-failure
    when: greenhouse.cropLossPct > 20
    clear: greenhouse.cropLossPct < 10
    quietAfterClear: 0s
    urgency: Emergency
    actions:
      - alert: Crop loss above 20%
      - aid: { resource: food, unit: kcal, quantity: greenhouse.cropLossPct / 100 * 60 * food.dailyNeedKcal }
  - id: tanks-nearly-empty
    when: water.stockLitres < 1000
    clear: water.stockLitres > 2000
    urgency: Emergency
    actions:
      - alert: Tanks nearly empty
`,
    );
    // The store is down (nothing listens on its port): alerts must not wait for it.
    const deadStore = `http://127.0.0.1:${await freePort()}/village`;
    gw = await startTestGateway({ triggersFile: rules, federation: { hubUrl: `mqtt://127.0.0.1:${hubPort}` }, influx: { url: deadStore } });
    api = `${gw.gateway.http.url}/api`;
    await waitFor("the federation link", () => gw.gateway.link?.connected);
  });
  afterAll(async () => {
    await gw?.stop();
    await hub?.stop();
    dir.remove();
  });

  it("raises an alert from readings while the store cannot take them", async () => {
    const device = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "water-main" });
    const ts = Date.now();
    const reading = (seq: number, sensor: string, value: number) => ({ seq, sensor, value, unit: "L", quality: "good", ts, clock: "synced" });
    await device.publishAsync(
      deviceTopic("readings", "water-main"),
      JSON.stringify({ device: "water-main", readings: [reading(1, "tank-north-level", 200), reading(2, "tank-south-level", 300), reading(3, "cistern-level", 100)] }),
      { qos: 1 },
    );
    const { body: alerts } = await waitFor("the alert", async () => {
      const res = await getJson(`${api}/alerts?active=1`);
      return res.body.length ? res : undefined;
    }, { timeoutMs: 5_000 });
    expect(alerts[0]).toMatchObject({ ruleId: "tanks-nearly-empty", urgency: "Emergency" });
    expect(gw.gateway.ingest.counters.stored).toBe(0);
    expect(gw.gateway.store.health().state).toBe("down");
    await device.endAsync();
  });

  it("sends an aid request to the hub when crops fail, and withdraws it when the loss is reassessed", async () => {
    const post = (value: number) =>
      fetch(`${api}/assessments`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "greenhouse.cropLossPct", value }) });
    expect((await post(40)).status).toBe(201);
    await waitFor("the request at the hub", () => hub.received.some((r) => r.status === "open" && r.resource === "food"));
    const { body: requests } = await getJson(`${api}/aid-requests`);
    expect(requests[0]).toMatchObject({ village: "riverbend", resource: "food", status: "open", quantity: [{ amount: 0.4 * 60 * 180 * 2100, unit: "kcal" }] });
    expect((await post(5)).status).toBe(201);
    await waitFor("the withdrawal at the hub", () => hub.received.some((r) => r.status === "withdrawn"));
    expect(hub.received.filter((r) => r.resource === "food").map((r) => r.status)).toEqual(["open", "withdrawn"]);
    const { body: reserves } = await getJson(`${api}/reserves`);
    expect(reserves.figures["greenhouse.cropLossPct"].value).toBe(5);
    expect(reserves.summary.village).toBe("riverbend");
  });

  it("marks a request fulfilled when help arrives: the hub learns it and a later clear withdraws nothing", async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${api}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
    expect((await post("/assessments", { name: "greenhouse.cropLossPct", value: 35 })).status).toBe(201);
    const { body: requests } = await getJson(`${api}/aid-requests`);
    const open = requests.find((r: { status: string; resource: string }) => r.status === "open" && r.resource === "food");
    await waitFor("the request at the hub", () => hub.requests.get(open.id)?.status === "open");
    const res = await post(`/aid-requests/${encodeURIComponent(open.id)}/fulfilled`);
    expect(res.status).toBe(200);
    await waitFor("the hub to see it fulfilled", () => hub.requests.get(open.id)?.status === "fulfilled");
    expect(hub.proposals.filter((p) => p.requestId === open.id)).toEqual([]);
    expect((await post("/assessments", { name: "greenhouse.cropLossPct", value: 5 })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    expect(hub.received.filter((r) => r.id === open.id).map((r) => r.status)).toEqual(["open", "fulfilled"]);
    const again = await post(`/aid-requests/${encodeURIComponent(open.id)}/fulfilled`);
    expect(again.status).toBe(400);
  });

  it("receives the hub's proposals, accepts one, which the hub then holds as agreed, and confirms its delivery", async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${api}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
    // A neighbour with food well above its own 30-day target.
    const neighbour = await foodDonorHillside(hub);
    expect((await post("/assessments", { name: "greenhouse.cropLossPct", value: 30 })).status).toBe(201);
    const { body: proposals } = await waitFor("a proposal at the village", async () => {
      const res = await getJson(`${api}/federation/proposals`);
      return res.body.some((p: { status: string }) => p.status === "proposed") ? res : undefined;
    });
    const proposal = proposals.find((p: { from: string; resource: string }) => p.from === "hillside" && p.resource === "food");
    expect(proposal.to).toBe("riverbend");
    expect((await post(`/federation/proposals/${encodeURIComponent(proposal.id)}/accept`)).status).toBe(202);
    await waitFor("the hub to hold it as accepted", () => hub.accepted.get(proposal.id)?.status === "accepted");
    expect(hub.accepted.get(proposal.id)!.quantity.amount).toBe(proposal.quantity.amount);
    // The food arrives: the village confirms it, and the hub stops counting it as in transit.
    expect((await post(`/federation/proposals/${encodeURIComponent(proposal.id)}/delivered`)).status).toBe(202);
    await waitFor("the hub to know it delivered", () => hub.delivered.has(proposal.id));
    // Only the receiving village may say so: the donor's claim is refused with a code.
    const before = hub.rejected.CS_ERR_PAYLOAD_SCHEMA ?? 0;
    await neighbour.publishAsync("cs/v1/fed/hillside/proposal-replies", JSON.stringify({ proposalId: proposal.id, village: "hillside", accept: true, delivered: true }), { qos: 1 });
    await waitFor("the donor's claim refused", () => (hub.rejected.CS_ERR_PAYLOAD_SCHEMA ?? 0) === before + 1);
    expect((await post(`/federation/proposals/x/maybe`)).status).toBe(400);
    await post("/assessments", { name: "greenhouse.cropLossPct", value: 5 });
    await neighbour.endAsync();
  });

  it("shows the neighbours' aid requests, newest version of each, and never its own among them", async () => {
    const neighbour = await mqtt.connectAsync(hub.broker.url, { clientId: "village-hillside-2" });
    const request = (version: number, status: string) => ({
      id: "hillside:water-low#1", village: "hillside", resource: "water", quantity: [{ amount: 12000, unit: "L" }], urgency: "Priority",
      neededBy: new Date(Date.now() + 86_400_000).toISOString(), duration: "temporary", alternativesTried: ["rationing showers"],
      enables: "drinking water for 170 people", status, version, reason: { rule: "water-low", figures: { "water.daysLeft": 1.5 } }, updatedAt: new Date().toISOString(),
    });
    await neighbour.publishAsync("cs/v1/fed/hillside/aid-requests", JSON.stringify(request(1, "open")), { qos: 1 });
    await neighbour.publishAsync("cs/v1/fed/hillside/aid-requests", JSON.stringify(request(2, "updated")), { qos: 1 });
    await neighbour.publishAsync("cs/v1/fed/hillside/aid-requests", JSON.stringify(request(1, "open")), { qos: 1 }); // a late resend
    const { body } = await waitFor("hillside's request at riverbend", async () => {
      const res = await getJson(`${api}/federation/requests`);
      return res.body.some((r: { version: number }) => r.version === 2) ? res : undefined;
    });
    expect(body.map((r: { village: string; status: string }) => [r.village, r.status])).toEqual([["hillside", "updated"]]);
    await neighbour.endAsync();
  });

  it("refuses an assessment out of range with a code and changes nothing", async () => {
    const res = await fetch(`${api}/assessments`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "greenhouse.cropLossPct", value: 140 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("CS_ERR_ASSESSMENT_INVALID");
    const { body: reserves } = await getJson(`${api}/reserves`);
    expect(reserves.figures["greenhouse.cropLossPct"].value).toBe(5);
  });
});
