import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { FederationHub } from "../../../gateway/federation/hub.ts";
import { FederationLink } from "../../../gateway/federation/link.ts";
import { TriggerEngine } from "../../../gateway/triggers/engine.ts";
import { parseRules } from "../../../gateway/triggers/rules.ts";
import { TriggerState } from "../../../gateway/triggers/trigger-state.ts";
import { figure } from "../../../gateway/reserves/figures.ts";

import { freePort } from "../../helpers/free-port.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { fedTopic } from "../../../protocol/topics.ts";

const rules = parseRules(
  {
    rules: [
      {
        id: "water-low", when: "water.daysLeft < 3", clear: "water.daysLeft > 5", urgency: "Emergency",
        actions: [{ aid: { resource: "water", unit: "L", quantity: "7 * water.dailyNeedLitres - water.stockLitres" } }],
      },
    ],
  },
  "rules.yaml",
  new Set(["water.daysLeft", "water.dailyNeedLitres", "water.stockLitres"]),
);
const water = (days: number) => ({
  "water.daysLeft": figure(days, "days"), "water.stockLitres": figure(days * 2700, "L"), "water.dailyNeedLitres": figure(2700, "L/day"),
});
const summary = () => ({
  village: "riverbend", headCount: 180, ts: new Date().toISOString(),
  water: { stock: 1000, unit: "L", dailyNeed: 2700, targetDays: 7, daysLeft: 0.4 },
  food: { stock: 1e7, unit: "kcal", dailyNeed: 378000, targetDays: 30, daysLeft: 26 },
  power: { stock: 5000, unit: "Wh", dailyNeed: 24000, targetDays: 2, daysLeft: 0.2 },
  offers: [],
});

describe("federation link", () => {
  // The village's clock: simulated days, and "this week" for re-announcing, go by it.
  const clock = { now: 0 };
  const dir = tempDir();
  let hub: FederationHub;
  let state: TriggerState;
  let link: FederationLink;
  let mqttPort: number;

  beforeAll(async () => {
    mqttPort = await freePort();
    hub = new FederationHub({ villages: ["riverbend", "hillside"], mqtt: { host: "127.0.0.1", port: mqttPort }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    state = new TriggerState(dir.path);
    state.open();
  });
  afterAll(async () => {
    await link?.stop();
    await hub?.stop();
    state.close();
    dir.remove();
  });

  it("queues requests while the link is cut for a simulated day and delivers each once afterwards", async () => {
    link = new FederationLink({ village: "riverbend", hubUrls: [`mqtt://127.0.0.1:${mqttPort}`], state, summary, log: testLog, reconnectPeriodMs: 100, now: () => clock.now });
    await link.start(); // the hub is not up: the link is cut
    clock.now = Date.UTC(2026, 10, 22, 0, 0);
    const engine = new TriggerEngine({ village: "riverbend", rules, state, log: testLog, now: () => clock.now, onOutbox: () => void link.drain() });
    // A simulated day, one evaluation every 10 minutes: the need opens, grows, eases, then recovers.
    for (let m = 0; m <= 24 * 60; m += 10) {
      clock.now += 10 * 60_000;
      const days = m < 6 * 60 ? 2.5 : m < 12 * 60 ? 1.0 : m < 18 * 60 ? 2.0 : 6;
      engine.evaluate(water(days));
    }
    expect(link.connected).toBe(false);
    expect(state.unsent(100).map((o) => JSON.parse(o.payload).status)).toEqual(["open", "updated", "updated", "withdrawn"]);

    await hub.start();
    await waitFor("the outbox to drain", () => state.unsent(100).length === 0);
    await waitFor("the hub to apply four versions", () => hub.received.length === 4);
    expect(hub.received.map((r) => [r.id, r.version, r.status])).toEqual([
      ["riverbend:water-low#1:0", 1, "open"],
      ["riverbend:water-low#1:0", 2, "updated"],
      ["riverbend:water-low#1:0", 3, "updated"],
      ["riverbend:water-low#1:0", 4, "withdrawn"],
    ]);
  });

  it("ignores a resend after a gateway crash: the hub keeps one copy of each version", async () => {
    // The gateway died after sending but before marking sent: everything goes out again.
    const db = (state as unknown as { db: import("better-sqlite3").Database }).db;
    db.prepare("UPDATE outbox SET sent = 0").run();
    await link.drain();
    await waitFor("the outbox to drain again", () => state.unsent(100).length === 0);
    const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: "probe" });
    await probe.publishAsync(fedTopic("hillside", "summary"), JSON.stringify({ ...summary(), village: "hillside" }), { qos: 1 });
    await waitFor("hillside's summary", () => hub.summaries.has("hillside"));
    await probe.endAsync();
    expect(hub.received).toHaveLength(4);
  });

  it("re-announces open requests, and this week's withdrawals, when the hub restarts and has forgotten them", async () => {
    // A fresh need, then the hub dies and comes back empty on the same port.
    clock.now = Date.UTC(2026, 10, 24, 0, 0);
    const engine = new TriggerEngine({ village: "riverbend", rules, state, log: testLog, now: () => clock.now, onOutbox: () => void link.drain() });
    engine.evaluate(water(1));
    await waitFor("the new request at the hub", () => [...hub.requests.values()].some((r) => r.id === "riverbend:water-low#2:0"));
    await hub.stop();
    hub = new FederationHub({ villages: ["riverbend", "hillside"], mqtt: { host: "127.0.0.1", port: mqttPort }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await hub.start();
    await waitFor("the open request known again", () => hub.requests.get("riverbend:water-low#2:0")?.status === "open");
    // The withdrawn one of this week comes back as withdrawn (a withdrawal lost with a dying hub
    // node must still arrive), never as open.
    const open = [...hub.requests.values()].filter((r) => r.status === "open" || r.status === "updated").map((r) => r.id);
    expect(open).toEqual(["riverbend:water-low#2:0"]);
    await waitFor("the withdrawn one known as withdrawn", () => hub.requests.get("riverbend:water-low#1:0")?.status === "withdrawn");
  });

  it("refuses a request from a village the hub does not know, and a negative quantity, with codes", async () => {
    const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: "probe2" });
    const base = { ...state.aidRequests()[0], id: "x:y#1:0", version: 1, status: "open" };
    await probe.publishAsync(fedTopic("atlantis", "aid-requests"), JSON.stringify({ ...base, village: "atlantis" }), { qos: 1 });
    await probe.publishAsync(fedTopic("hillside", "aid-requests"), JSON.stringify({ ...base, village: "hillside", quantity: [{ amount: -5, unit: "L" }] }), { qos: 1 });
    await waitFor("both refusals", () => hub.rejected.CS_ERR_VILLAGE_UNKNOWN === 1 && hub.rejected.CS_ERR_AID_REQUEST_INVALID === 1);
    expect(hub.requests.has("x:y#1:0")).toBe(false);
    await probe.endAsync();
  });
});

describe("federation link and the trigger state's flush to disk", () => {
  const dir = tempDir();
  let hub: FederationHub;
  let state: TriggerState;
  let link: FederationLink;
  const held: Array<(err: Error | null) => void> = [];
  const failures: Error[] = [];

  beforeAll(async () => {
    const port = await freePort();
    hub = new FederationHub({ villages: ["riverbend"], mqtt: { host: "127.0.0.1", port }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await hub.start();
    // Every flush waits until the test lets it finish, as a slow SD card would.
    state = new TriggerState(dir.path, { flushFile: (_fd, done) => held.push(done), flushRetryMs: 50, onFlushFailed: (err) => failures.push(err) });
    state.open();
    link = new FederationLink({ village: "riverbend", hubUrls: [`mqtt://127.0.0.1:${port}`], state, summary, log: testLog, reconnectPeriodMs: 100 });
    await link.start();
    await waitFor("the link up", () => link.connected);
  });
  afterAll(async () => {
    await link?.stop();
    await hub?.stop();
    state?.close();
    dir.remove();
  });

  it("announces the aid request, locally and to the hub, only once a flush has covered it, retrying a failed one", async () => {
    const notes: string[] = [];
    const engine = new TriggerEngine({
      village: "riverbend", rules, state, log: testLog, now: () => Date.UTC(2026, 10, 22),
      onNotification: (n) => notes.push(n.kind), onOutbox: () => void link.drain(),
    });
    engine.evaluate(water(1));
    // Committed, and the evaluation returned without waiting for the disk; nothing is announced yet.
    expect(state.aidRequests().map((r) => r.status)).toEqual(["open"]);
    let durableUpTo: number | undefined;
    void state.durable().then((seq) => (durableUpTo = seq));
    await waitFor("a flush to start", () => held.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.received).toHaveLength(0);
    expect(notes).toEqual([]);
    expect(durableUpTo).toBeUndefined();

    held.shift()!(new Error("EIO: the card refused the flush"));
    await waitFor("the retry", () => held.length === 1);
    expect(failures.map((e) => e.message)).toEqual(["EIO: the card refused the flush"]);
    expect(hub.received).toHaveLength(0);
    expect(notes).toEqual([]);

    held.shift()!(null);
    await waitFor("the request at the hub", () => hub.received.length === 1);
    expect(durableUpTo).toBe(1);
    expect(notes).toEqual(["aid-open"]);
    expect(hub.received[0]).toMatchObject({ id: "riverbend:water-low#1:0", status: "open" });
  });
});
