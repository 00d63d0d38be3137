import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { join } from "node:path";
import { Journal } from "../../../edge/journal/journal.ts";
import { systemClock } from "../../../edge/journal/clock.ts";
import { Publisher } from "../../../edge/publish/publisher.ts";
import { deviceTopic } from "../../../protocol/topics.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

describe("publisher after an outage", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let spy: MqttClient;
  const dir = tempDir();
  beforeAll(async () => {
    gw = await startTestGateway({ ingest: { flushMs: 50 } });
    spy = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "spy" });
    await spy.subscribeAsync(deviceTopic("readings", "water-main"), { qos: 1 });
  });
  afterAll(async () => {
    await spy?.endAsync();
    await gw?.stop();
    dir.remove();
  });

  it("replays the backlog in order at the bounded rate while live readings go out at once", async () => {
    const journal = new Journal({ path: join(dir.path, "journal.db"), clock: systemClock, firstSeq: 1 });
    journal.open();
    // 2,000 readings taken while the gateway was unreachable.
    for (let i = 0; i < 2000; i++) journal.append({ sensor: "tank-north-level", value: 5000 - i, unit: "L", quality: "good" });
    journal.commit();

    const messages: { seqs: number[]; atMs: number }[] = [];
    spy.on("message", (_t, p) => messages.push({ seqs: JSON.parse(p.toString()).readings.map((r: { seq: number }) => r.seq), atMs: Date.now() }));

    const publisher = new Publisher({ device: "water-main", gatewayUrl: gw.gateway.broker.url, journal, log: testLog, replayRatePerSec: 1000, replayBatch: 100 });
    const startedMs = Date.now();
    publisher.start();
    await waitFor("connected", () => publisher.connected);
    await waitFor("the replay to start", () => messages.length > 0);
    journal.append({ sensor: "tank-north-level", value: 1234, unit: "L", quality: "good" });
    journal.commit();

    await waitFor("everything acknowledged", () => journal.stats().pending === 0, { timeoutMs: 20_000 });
    const replayed = messages.filter((m) => m.seqs[0] <= 2000);
    const live = messages.find((m) => m.seqs.includes(2001))!;
    // In order, each backlog reading once.
    expect(replayed.flatMap((m) => m.seqs)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    // Bounded: 2,000 readings at 1,000/s cannot all leave in much under 2 s (credit starts at zero).
    expect(replayed[replayed.length - 1].atMs - startedMs).toBeGreaterThanOrEqual(1500);
    // Not starved: the live reading went out before the backlog was through.
    expect(live.atMs).toBeLessThan(replayed[replayed.length - 1].atMs);
    expect(await gw.gateway.store.sequences("water-main")).toEqual(Array.from({ length: 2001 }, (_, i) => i + 1));
    // Once the backlog is through, an idle publisher stops asking the journal for it every 100 ms
    // tick (each query walked every row below the round's start: most of an idle agent's CPU).
    let asked = 0;
    const pending = journal.pending.bind(journal);
    journal.pending = (...args) => (asked++, pending(...args));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(asked).toBeLessThanOrEqual(1); // the one query that finds the backlog empty (10 before)
    await publisher.stop();
    journal.close();
  });
});
