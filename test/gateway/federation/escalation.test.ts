// Escalation past the region (issue: figures and aid requests that follow the village's real
// position): a need that nobody in the region can cover goes by itself, after its wait, to a hub
// outside, as an aid request in the region's name; it follows the uncovered amount, survives the
// region hub's restart, and is withdrawn when the need is gone. Two real hubs (aedes), real MQTT
// clients as the villages.
import { afterAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Aedes } from "aedes";
import { FederationHub } from "../../../gateway/federation/hub.ts";
import { Escalation } from "../../../gateway/federation/escalation.ts";
import { IdentityStore } from "../../../gateway/security/identities.ts";
import type { AidRequest, ReserveSummary } from "../../../protocol/federation.ts";
import { fedTopic } from "../../../protocol/topics.ts";
import { freePort } from "../../helpers/free-port.ts";
import { getJson } from "../../helpers/get-json.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { postCropLoss } from "../../helpers/crop-assessment.ts";

const ID = "riverbend:water-low#1:0";

function water(version: number, litres: number, status: AidRequest["status"] = version === 1 ? "open" : "updated"): AidRequest {
  return {
    id: ID, village: "riverbend", resource: "water", quantity: [{ amount: litres, unit: "L" }], urgency: "Emergency", neededBy: "2026-12-10T00:00:00.000Z",
    duration: "temporary", alternativesTried: ["spring pump repaired"], enables: "drinking and cooking", status, version,
    reason: { rule: "water-low", figures: { "water.daysLeft": 1.5 } }, updatedAt: new Date(Date.UTC(2026, 11, 7, version)).toISOString(),
  };
}

function summary(village: string, waterL: number): ReserveSummary {
  const domain = (stock: number, unit: string, dailyNeed: number, targetDays: number) => ({ stock, unit, dailyNeed, targetDays, daysLeft: stock / dailyNeed });
  return {
    village, headCount: 180, ts: new Date().toISOString(), water: domain(waterL, "L", 2_700, 7), food: domain(2e7, "kcal", 378_000, 30), power: domain(10_000, "Wh", 24_000, 2), offers: [],
  };
}

describe("needs nobody in the region can cover go to the hub outside", () => {
  const dir = tempDir("cs-escalate-");
  const stateFile = join(dir.path, "escalations.json");
  const started: Array<{ stop(): Promise<void> }> = [];
  const clients: MqttClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    for (const s of started.reverse()) await s.stop();
    dir.remove();
  });

  const hub = async (villages: string[], escalation?: Escalation) => {
    const h = new FederationHub({ villages, escalation, mqtt: { host: "127.0.0.1", port: await freePort() }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await h.start();
    started.push(h);
    return h;
  };
  const village = async (h: FederationHub, id: string) => {
    const c = await mqtt.connectAsync(h.broker.url, { clientId: `village-${id}` });
    clients.push(c);
    return (kind: "aid-requests" | "summary", body: unknown) => c.publishAsync(fedTopic(id, kind), JSON.stringify(body), { qos: 1, retain: kind === "summary" });
  };
  const escalation = (outside: FederationHub, o: { afterMs: number; settleMs?: number }) =>
    new Escalation({ url: outside.broker.url, as: "region-west", stateFile, log: testLog, reconnectPeriodMs: 200, ...o });
  const outsideRequest = (outside: FederationHub) => outside.requests.get(ID);

  it("waits its time, sends the uncovered amount in the region's name, follows it, and hears what the outside hub proposes", async () => {
    const outside = await hub(["region-west", "region-east"]);
    const region = await hub(["riverbend", "hillside"], escalation(outside, { afterMs: 1_500 }));
    const riverbend = await village(region, "riverbend");
    await riverbend("summary", summary("riverbend", 1_000));
    await riverbend("aid-requests", water(1, 20_000));
    await waitFor("the need uncovered in the region", () => region.needs.find((n) => n.requestId === ID && n.uncovered === 20_000));
    // The region's own answers come first: nothing outside before the wait is over.
    await new Promise((r) => setTimeout(r, 800));
    expect(outsideRequest(outside)).toBeUndefined();
    const first = await waitFor("the need outside the region", () => outsideRequest(outside));
    expect(first).toMatchObject({ village: "region-west", resource: "water", quantity: [{ amount: 20_000, unit: "L" }], urgency: "Emergency", status: "open", enables: "riverbend: drinking and cooking" });
    expect(first.alternativesTried.at(-1)).toBe("nobody within region-west can give more: 0 of 20000 L covered there");

    // Hillside can give part: outside, only what is still uncovered is asked for.
    const hillside = await village(region, "hillside");
    await hillside("summary", summary("hillside", 30_000));
    const left = (await waitFor("part proposed in the region", () => region.needs.find((n) => n.requestId === ID && n.proposed > 0))).uncovered;
    expect(left).toBeGreaterThan(0);
    const second = await waitFor("the smaller amount outside", () => (outsideRequest(outside)?.quantity[0].amount === left ? outsideRequest(outside) : undefined));
    expect(second).toMatchObject({ status: "updated" });
    expect(second.version).toBeGreaterThan(first.version);

    // A region with water to spare outside: the outside hub proposes it, and the region hears it.
    const east = await village(outside, "region-east");
    await east("summary", summary("region-east", 200_000));
    const view = await waitFor("the outside proposal at the region hub", async () => {
      const body = (await getJson(`${region.http.url}/api/federation/escalated`)).body as { connected: boolean; escalated: { id: string; acknowledged: boolean }[]; proposals: { from: string; to: string }[] };
      return body.proposals.length > 0 && body;
    });
    expect(view).toMatchObject({ as: "region-west", connected: true, escalated: [{ id: ID, status: "updated", acknowledged: true }], proposals: [{ from: "region-east", to: "region-west", requestId: ID }] });
  });

  it("keeps the escalation through the region hub's restart and withdraws it, with a newer version, when the need is gone", async () => {
    const outside = started[0] as FederationHub;
    const before = outsideRequest(outside)!;
    const region = started[1] as FederationHub;
    await region.stop();
    started.splice(1, 1);
    // A fresh process: it knows no request until the villages send theirs again, and does not
    // withdraw for that while it settles.
    const again = await hub(["riverbend", "hillside"], escalation(outside, { afterMs: 60_000, settleMs: 60_000 }));
    const hillside = await village(again, "hillside");
    await hillside("summary", summary("hillside", 30_000));
    await waitFor("a match without riverbend's request", () => again.summaries.has("hillside"));
    await new Promise((r) => setTimeout(r, 300));
    expect(outsideRequest(outside)).toMatchObject({ status: "updated", version: before.version });
    const riverbend = await village(again, "riverbend");
    // Riverbend's water is restored: it withdraws its request; the region withdraws the escalation.
    await riverbend("aid-requests", water(3, 20_000, "withdrawn"));
    const withdrawn = await waitFor("the withdrawal outside", () => (outsideRequest(outside)?.status === "withdrawn" ? outsideRequest(outside) : undefined));
    expect(withdrawn.version).toBeGreaterThan(before.version);
    expect(outside.needs.filter((n) => n.requestId === ID)).toEqual([]);
  });

  it("`npm run hub -- --escalate-to --escalate-as` escalates with the region's identity at an outside hub that checks identities", async () => {
    const outsideDir = tempDir("cs-outside-");
    const identities = new IdentityStore(outsideDir.path);
    const secret = await identities.enrol("region-south", "village");
    const outside = new FederationHub({ villages: ["region-south"], identities, mqtt: { host: "127.0.0.1", port: await freePort() }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await outside.start();
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const hubDir = join(dir.path, "hub");
    const command = spawn(process.execPath, ["--import", "tsx", "gateway/hub-main.ts", "--villages", "riverbend", "--open-broker", "--host", "127.0.0.1", "--mqtt-port", String(mqttPort), "--http-port", String(httpPort),
      "--data-dir", hubDir, "--escalate-to", outside.broker.url, "--escalate-as", "region-south", "--escalate-after-minutes", "0"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CS_HUB_ESCALATE_SECRET: secret } });
    try {
      await waitFor("the hub command", () => fetch(`http://127.0.0.1:${httpPort}/api/health`).then((r) => r.ok, () => false), { timeoutMs: 30_000 });
      const riverbend = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: "village-riverbend" });
      clients.push(riverbend);
      await riverbend.publishAsync(fedTopic("riverbend", "aid-requests"), JSON.stringify(water(1, 5_000)), { qos: 1 });
      expect(await waitFor("the need at the outside hub", () => outside.requests.get(ID))).toMatchObject({ village: "region-south", quantity: [{ amount: 5_000, unit: "L" }] });
      expect((await getJson(`http://127.0.0.1:${httpPort}/api/health`)).body.escalation).toEqual({ to: outside.broker.url, connected: true });
    } finally {
      command.kill("SIGTERM");
      await outside.stop();
      outsideDir.remove();
    }
  }, 60_000);

  it("every village's gateway shows which of the needs nobody in reach covers the hub has asked outside the region", async () => {
    const outside = await hub(["region-north"]);
    const region = new FederationHub({
      villages: ["riverbend", "hillside"], mqtt: { host: "127.0.0.1", port: await freePort() }, http: { host: "127.0.0.1", port: 0 }, log: testLog,
      escalation: new Escalation({ url: outside.broker.url, as: "region-north", stateFile: join(dir.path, "north.json"), log: testLog, afterMs: 0, reconnectPeriodMs: 200 }),
    });
    await region.start();
    started.push(region);
    const federation = { hubUrl: region.broker.url, summaryIntervalMs: 60_000 };
    const riverbend = await startTestGateway({ village: { id: "riverbend", name: "Riverbend", headCount: 180 }, federation });
    const hillside = await startTestGateway({ village: { id: "hillside", name: "Hillside", headCount: 170 }, federation });
    started.push(riverbend, hillside);
    await waitFor("both links", () => riverbend.gateway.link?.connected && hillside.gateway.link?.connected);
    // The crop fails at Riverbend: seed and food asked, nobody in the region has either to give.
    expect((await postCropLoss(riverbend.gateway.http.url, 40)).status).toBe(201);
    await waitFor("the seed need outside", () => [...outside.requests.values()].find((r) => r.resource === "seeds" && r.village === "region-north"));
    type Uncovered = { resource: string; village: string; escalated?: { acknowledged: boolean } };
    const seenAt = (gw: typeof riverbend) => waitFor(`the escalation at ${gw.gateway.config.village.id}`, async () => {
      const list = (await getJson(`${gw.gateway.http.url}/api/federation/uncovered`)).body as Uncovered[];
      return list.find((n) => n.resource === "seeds" && n.escalated?.acknowledged) ? list : undefined;
    });
    for (const gw of [riverbend, hillside]) expect((await seenAt(gw)).find((n) => n.resource === "seeds")).toMatchObject({ village: "riverbend", escalated: { acknowledged: true } });
  }, 60_000);

  it("stops at once while a send waits on an outside hub that never acknowledges, and keeps it owed", async () => {
    // A real broker that takes the connection and never acknowledges a publish.
    const silent = await Aedes.createBroker();
    silent.authorizePublish = () => undefined;
    const server = createServer(silent.handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const file = join(dir.path, "silent.json");
    const e = new Escalation({ url: `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`, as: "region-west", stateFile: file, afterMs: 0, settleMs: 0, log: testLog });
    try {
      await e.start();
      await waitFor("the escalation link", () => e.connected);
      e.update([{ requestId: ID, village: "riverbend", resource: "water", unit: "L", asked: 5_000, inTransit: 0, proposed: 0, uncovered: 5_000 }], new Map([[ID, water(1, 5_000)]]));
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await e.stop();
      expect(Date.now() - t0).toBeLessThan(2_000);
      // Still owed: the next start sends it.
      expect(new Escalation({ url: "mqtt://127.0.0.1:1", as: "region-west", stateFile: file, afterMs: 0, log: testLog }).view().escalated).toEqual([expect.objectContaining({ id: ID, status: "open", acknowledged: false })]);
    } finally {
      await e.stop();
      server.close();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("refuses a state file that is not its own, naming it", () => {
    const file = join(dir.path, "broken.json");
    writeFileSync(file, '{"x": {"sent": "yes"}}');
    expect(() => new Escalation({ url: "mqtt://127.0.0.1:1", as: "region-west", stateFile: file, afterMs: 0, log: testLog })).toThrow(new RegExp(`^${file}: not an escalation file \\(x\\.request: .*move it aside`));
  });
});
