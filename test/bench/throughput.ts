// Closed-loop throughput: the full spine (journal -> aedes -> ingest -> store -> ack) against raw
// aedes QoS 1 publish -> subscribe with the same payloads, in the same run.
import mqtt from "mqtt";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { loadBoardDir } from "../../edge/board/load.ts";
import { Journal } from "../../edge/journal/journal.ts";
import { systemClock } from "../../edge/journal/clock.ts";
import { Publisher } from "../../edge/publish/publisher.ts";
import { Broker } from "../../gateway/broker/broker.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { Gateway } from "../../gateway/gateway.ts";
import type { Store } from "../../gateway/store/store.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";

const log = pino({ level: "silent" });
const BATCH = 100;

function payloadFor(firstSeq: number): string {
  const ts = Date.now();
  const readings = Array.from({ length: BATCH }, (_, i) => ({
    seq: firstSeq + i, sensor: "tank-north-level", value: 5000 + i, unit: "L", quality: "good", ts: ts + i, clock: "synced",
  }));
  return JSON.stringify({ device: "water-main", readings });
}

/** Raw aedes: readings/s of QoS 1 messages of 100 readings, publisher -> broker -> subscriber. */
export async function rawAedes(readings: number): Promise<number> {
  const broker = new Broker({ host: "127.0.0.1", port: 0, log });
  await broker.start();
  const sub = await mqtt.connectAsync(broker.url, { clientId: "bench-sub" });
  const pub = await mqtt.connectAsync(broker.url, { clientId: "bench-pub" });
  await sub.subscribeAsync("bench/#", { qos: 1 });
  const messages = readings / BATCH;
  let received = 0;
  sub.on("message", () => received++);
  const started = performance.now();
  const window = 20;
  let sent = 0;
  const inflight = new Set<Promise<unknown>>();
  while (sent < messages) {
    const p = pub.publishAsync("bench/readings", payloadFor(sent * BATCH + 1), { qos: 1 });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    sent++;
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await waitFor("raw messages received", () => received >= messages, { timeoutMs: 120_000, intervalMs: 5 });
  const seconds = (performance.now() - started) / 1000;
  await sub.endAsync();
  await pub.endAsync();
  await broker.stop();
  return readings / seconds;
}

/** The full path: readings/s from journal append to acknowledged, and how many were lost. */
export async function fullPath(readings: number, store: "embedded" | { influxUrl: string }): Promise<{ perSec: number; lost: number }> {
  const dir = tempDir("cs-bench-");
  const config = parseGatewayConfig(
    {
      dataDir: join(dir.path, "gw"),
      mqtt: { host: "127.0.0.1", port: 0 },
      http: { host: "127.0.0.1", port: 0 },
      ...(store === "embedded" ? {} : { influx: { url: store.influxUrl, database: `bench_${Date.now()}` } }),
    },
    "bench",
  );
  const gateway = new Gateway({ config, boards: loadBoardDir("boards"), log });
  await gateway.start();
  const journalPath = join(dir.path, "journal.db");
  const journal = new Journal({ path: journalPath, clock: systemClock });
  journal.open();
  const publisher = new Publisher({ device: "water-main", gatewayUrl: gateway.broker.url, journal, log, ackTimeoutMs: 60_000 });
  publisher.start();
  await waitFor("publisher connected", () => publisher.connected);
  const started = performance.now();
  for (let i = 0; i < readings; i += BATCH) {
    for (let k = 0; k < BATCH; k++) journal.append({ sensor: "tank-north-level", value: 5000 + k, unit: "L", quality: "good" });
    // Keep the loop closed: the producer never runs further ahead of the acks than the journal can hold cheaply.
    while (journal.nextSeq - 1 - publisher.acknowledged > 100 * BATCH) await new Promise((r) => setImmediate(r));
  }
  await waitFor("all readings acknowledged", () => publisher.acknowledged >= readings, { timeoutMs: 300_000, intervalMs: 5 });
  const seconds = (performance.now() - started) / 1000;
  const lost = await countLost(gateway.store, readings);
  await publisher.stop();
  journal.close();
  await gateway.stop();
  dir.remove();
  return { perSec: readings / seconds, lost };
}

async function countLost(store: Store, readings: number): Promise<number> {
  const seqs = new Set(await store.sequences("water-main"));
  let lost = 0;
  for (let s = 1; s <= readings; s++) if (!seqs.has(s)) lost++;
  return lost;
}

/** Bytes this process has caused to be written to storage (Linux /proc/self/io). */
export function processWriteBytes(): number {
  try {
    const io = readFileSync("/proc/self/io", "utf8");
    return Number(/write_bytes: (\d+)/.exec(io)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * SD-card wear: bytes the journal alone writes per reading at the default group commit, for a
 * board of 5 sensors sampled together, including the deletes that acknowledgements cause.
 */
export async function journalWear(readings: number): Promise<number> {
  const dir = tempDir("cs-wear-");
  const journal = new Journal({ path: join(dir.path, "journal.db"), clock: systemClock });
  journal.open();
  const before = processWriteBytes();
  for (let i = 0; i < readings; i += 5) {
    for (let k = 0; k < 5; k++) journal.append({ sensor: `sensor-${k}`, value: 1000 + i, unit: "L", quality: "good" });
    journal.commit(); // one sampling round per commit, as at a 10 s interval with the 1 s timer
    journal.acknowledge([[i + 1, i + 5]]);
  }
  const bytes = processWriteBytes() - before;
  journal.close();
  dir.remove();
  return bytes / readings;
}
