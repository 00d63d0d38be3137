// The orders in which a hub node's messages can reach a link after a failover, played by a scripted
// MQTT peer. aedes writes the SUBACK before it reads the retained proposals from Redis, and reads
// the messages queued in a persistent session from Redis too, so the list the hub sends in answer
// to the link's summary can arrive first and an older one after it. Lists carry the time of the
// summary they were computed from; the link keeps the newest.
import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { createRequire } from "node:module";
import { FederationLink } from "../../../gateway/federation/link.ts";
import { TriggerState } from "../../../gateway/triggers/trigger-state.ts";
import { type Proposal, type ProposalsMessage } from "../../../protocol/federation.ts";
import { fedTopic } from "../../../protocol/topics.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

const require = createRequire(import.meta.url);
// mqtt-packet is CommonJS: generate() writes a packet's bytes, parser() reads them.
const mqttPacket = require("mqtt-packet") as {
  generate(packet: Record<string, unknown>): Buffer;
  parser(options: { protocolVersion: number }): { on(event: "packet", cb: (p: Record<string, unknown>) => void): void; parse(b: Buffer): void };
};

const clock = { now: Date.UTC(2026, 11, 2, 6, 0) };
const summary = () => ({
  village: "riverbend", headCount: 180, ts: new Date(clock.now).toISOString(),
  water: { stock: 1000, unit: "L" as const, dailyNeed: 2700, targetDays: 7, daysLeft: 0.4 },
  food: { stock: 1e7, unit: "kcal" as const, dailyNeed: 378000, targetDays: 30, daysLeft: 26 },
  power: { stock: 5000, unit: "Wh" as const, dailyNeed: 24000, targetDays: 2, daysLeft: 0.2 },
  offers: [],
});
const proposal = (id: string): Proposal => ({ id, requestId: "riverbend-water", from: "millbrook", to: "riverbend", resource: "water", quantity: { amount: 5000, unit: "L" }, status: "proposed" });

/** A neighbour's request: the link keeps it, so its arrival shows that what came before it was read. */
const neighbourRequest = (id: string) => ({
  id, village: "hillside", resource: "water", quantity: [{ amount: 1000, unit: "L" }], urgency: "Priority", neededBy: "2026-12-03T00:00:00.000Z",
  duration: "temporary", alternativesTried: [], enables: "drinking water", status: "open", version: 1,
  reason: { rule: "water-low", figures: {} }, updatedAt: "2026-12-02T00:00:00.000Z",
});

/**
 * A hub node reduced to what the link sees: CONNACK, SUBACKs, PUBACKs, and `onSummary` deciding
 * which proposals PUBLISHes to send, with or without the retain flag, once the link's summary is in.
 */
type Scripted = { message: ProposalsMessage; retain: boolean } | { marker: string };
async function scriptedHub(onSummary: (summaryTs: string) => Scripted[]): Promise<{ url: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let messageId = 1;
    const send = (p: Record<string, unknown>) => socket.write(mqttPacket.generate(p));
    parser.on("packet", (p) => {
      if (p.cmd === "connect") send({ cmd: "connack", returnCode: 0, sessionPresent: false });
      else if (p.cmd === "subscribe") send({ cmd: "suback", messageId: p.messageId, granted: (p.subscriptions as unknown[]).map(() => 1) });
      else if (p.cmd === "pingreq") send({ cmd: "pingresp" });
      else if (p.cmd === "publish") {
        if (p.qos === 1) send({ cmd: "puback", messageId: p.messageId });
        if (p.topic !== fedTopic("riverbend", "summary")) return;
        const { ts } = JSON.parse(String(p.payload)) as { ts: string };
        for (const m of onSummary(ts)) {
          const [topic, body, retain] = "marker" in m ? [fedTopic("hillside", "aid-requests"), neighbourRequest(m.marker), false] : [fedTopic("riverbend", "proposals"), m.message, m.retain];
          send({ cmd: "publish", topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, messageId: messageId++, retain, dup: false });
        }
      }
    });
    socket.on("data", (b) => parser.parse(b));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as typeof server.close;
  return { url: `mqtt://127.0.0.1:${port}`, server };
}

describe("federation link: proposals", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function linkTo(url: string): Promise<FederationLink> {
    const dir = tempDir();
    const state = new TriggerState(dir.path);
    state.open();
    const link = new FederationLink({ village: "riverbend", hubUrls: [url], state, summary, log: testLog, reconnectPeriodMs: 100 });
    cleanups.push(() => {
      state.close();
      dir.remove();
    });
    cleanups.push(() => link.stop());
    await link.start();
    return link;
  }

  const list = (summaryTs: string, ...ids: string[]): ProposalsMessage => ({ summaryTs, proposals: ids.map(proposal), uncovered: [] });
  const earlier = (ts: string) => new Date(Date.parse(ts) - 60_000).toISOString();

  it("keeps the hub's answer to its summary when older lists arrive after it, retained or queued", async () => {
    let sent = 0;
    const hub = await scriptedHub((ts) => {
      sent++;
      return [
        { message: list(ts, "fresh"), retain: false },
        { message: list(earlier(ts)), retain: true }, // the retained "[]" of an earlier episode, read late from Redis
        { message: list(earlier(ts), "queued"), retain: false }, // sent by the dead node, queued in the session
        { message: list("", "untagged"), retain: false }, // from a node that had no summary of the village yet
        { marker: "hillside:water:after-all" },
      ];
    });
    cleanups.push(() => new Promise<void>((r) => hub.server.close(() => r())));
    const link = await linkTo(hub.url);
    // One socket, read in order: once the marker is in, every list before it was handled.
    await waitFor("the hub's answer to the summary", () => link.neighbourRequests.has("hillside:water:after-all"), { timeoutMs: 10_000 });
    expect(sent).toBe(1);
    expect(link.proposals.map((p) => p.id)).toEqual(["fresh"]);
  });

  it("takes the first list it gets, and each list at least as new as the one it holds", async () => {
    let round = 0;
    const hub = await scriptedHub((ts) =>
      ++round === 1
        ? [{ message: list("", "before-any-summary"), retain: true }, { marker: "hillside:water:round-1" }]
        : [{ message: list(ts, "same-tag-1"), retain: false }, { message: list(ts, "same-tag-2"), retain: true }, { marker: "hillside:water:round-2" }],
    );
    cleanups.push(() => new Promise<void>((r) => hub.server.close(() => r())));
    const link = await linkTo(hub.url);
    await waitFor("round 1", () => link.neighbourRequests.has("hillside:water:round-1"), { timeoutMs: 10_000 });
    expect(link.proposals.map((p) => p.id)).toEqual(["before-any-summary"]);
    clock.now += 60_000;
    // The next summary (sent every minute; here at once) brings lists tagged with its time.
    (link as unknown as { publishSummary(): void }).publishSummary();
    await waitFor("round 2", () => link.neighbourRequests.has("hillside:water:round-2"), { timeoutMs: 10_000 });
    expect(link.proposals.map((p) => p.id)).toEqual(["same-tag-2"]);
  });

  it("starts over when the village's clock goes back, instead of refusing every list from then on", async () => {
    const hub = await scriptedHub((ts) => [{ message: list(ts, `at-${ts}`), retain: false }, { marker: `hillside:water:${ts.replace(/[^0-9]/g, "")}` }]);
    cleanups.push(() => new Promise<void>((r) => hub.server.close(() => r())));
    const link = await linkTo(hub.url);
    const first = new Date(clock.now).toISOString();
    await waitFor("the first answer", () => link.proposals.some((p) => p.id === `at-${first}`), { timeoutMs: 10_000 });
    clock.now -= 3_600_000; // set back an hour
    const back = new Date(clock.now).toISOString();
    (link as unknown as { publishSummary(): void }).publishSummary();
    await waitFor("the answer to the set-back summary", () => link.proposals.some((p) => p.id === `at-${back}`), { timeoutMs: 10_000 });
  });
});
