// Closed-loop throughput: the full spine (journal -> aedes -> ingest -> store -> ack) against raw
// aedes QoS 1 publish -> subscribe with the same payloads, in the same run.
import mqtt from "mqtt";
import { spawn } from "node:child_process";
import { join } from "node:path";
import pino from "pino";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { Journal } from "../../edge/journal/journal.ts";
import { systemClock } from "../../edge/journal/clock.ts";
import { Aedes } from "aedes";
import { createServer, type AddressInfo } from "node:net";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { Gateway } from "../../gateway/gateway.ts";
import type { Store } from "../../gateway/store/store.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { processCpuMs, processWriteBytes } from "./proc-stats.ts";
import { READINGS_PER_MESSAGE } from "./closed-loop.ts";

const log = pino({ level: "silent" });
const BENCH_RATE = 1_000_000;

/** CPU time per reading (µs), by process: where a path spends its cycles on a shared machine. */
export type CpuPerReading = Record<string, number>;

const cpuUs = (used: NodeJS.CpuUsage, readings: number) => (used.user + used.system) / readings;

/**
 * Raw aedes: readings/s of QoS 1 messages of 100 readings, publisher -> broker -> subscriber, the
 * publisher in its own process like the edge in fullPath and with as many readings in flight.
 */
export async function rawAedes(readings: number): Promise<{ perSec: number; cpu: CpuPerReading }> {
  // Bare aedes on a TCP listener: the gateway's broker adds a packet-size guard, access hooks and
  // limits, which belong to the full path being measured, not to the baseline.
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const broker = {
    url,
    stop: () => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))),
  };
  const sub = await mqtt.connectAsync(broker.url, { clientId: "bench-sub" });
  await sub.subscribeAsync("bench/#", { qos: 1 });
  const messages = readings / READINGS_PER_MESSAGE;
  let received = 0;
  sub.on("message", () => received++);
  const child = spawn(process.execPath, ["--import", "tsx", "test/bench/raw-publisher.ts", broker.url, String(readings)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  child.stdout.on("data", (d) => {
    cpuAtStart ??= process.cpuUsage();
    out += d;
  });
  await waitFor("raw messages received", () => received >= messages, { timeoutMs: 300_000, intervalMs: 1 });
  const ended = Date.now();
  const brokerCpu = process.cpuUsage(cpuAtStart);
  await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(null)));
  const [startLine, cpuLine] = out.trim().split("\n");
  const seconds = (ended - Number(startLine)) / 1000;
  await sub.endAsync();
  await broker.stop();
  const publisher = (JSON.parse(cpuLine) as { cpuUs: number }).cpuUs;
  return { perSec: readings / seconds, cpu: { publisher, "broker and subscriber": cpuUs(brokerCpu, readings) } };
}

/** The full path: readings/s from journal append to acknowledged, how many were lost, and CPU by process. */
export async function fullPath(
  readings: number,
  store: "embedded" | { influxUrl: string; influxdPid?: number },
): Promise<{ perSec: number; lost: number; cpu: CpuPerReading }> {
  const dir = tempDir("cs-bench-");
  const config = parseGatewayConfig(
    {
      dataDir: join(dir.path, "gw"),
      http: { host: "127.0.0.1", port: 0 },
      nodeRed: { enabled: false },
      // Open, as the raw baseline: identities cost a check per connection and a topic match per publish.
      mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false, limits: { maxPublishesPerSecond: BENCH_RATE } },
      ...(store === "embedded" ? {} : { influx: { url: store.influxUrl, database: `bench_${Date.now()}` } }),
    },
    "bench",
  );
  const gateway = new Gateway({ config, boards: loadBoardDir("boards"), log });
  await gateway.start();
  const influxdPid = store === "embedded" ? undefined : store.influxdPid;
  // The edge runs in its own process, as on a Pi; the gateway here.
  const child = spawn(process.execPath, [...(process.env.CS_BENCH_PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof-edge"] : []), "--import", "tsx", "test/bench/edge-producer.ts", gateway.broker.url, String(readings)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  // The CPU windows open when the child says its timed part starts, and close when it exits.
  let gatewayAtStart: NodeJS.CpuUsage | undefined;
  let influxdAtStart = 0;
  child.stdout.on("data", (d) => {
    if (!gatewayAtStart) {
      gatewayAtStart = process.cpuUsage();
      if (influxdPid) influxdAtStart = processCpuMs(influxdPid);
    }
    out += d;
  });
  await new Promise((resolve) => child.once("exit", resolve));
  const gatewayCpu = process.cpuUsage(gatewayAtStart);
  const influxdMs = influxdPid ? processCpuMs(influxdPid) - influxdAtStart : undefined;
  const lines = out.trim().split("\n");
  const { perSec, cpuUs: edge } = JSON.parse(lines[lines.length - 1]) as { perSec: number; cpuUs: number };
  const lost = await countLost(gateway.store, readings);
  await gateway.stop();
  dir.remove();
  const cpu: CpuPerReading = { edge, gateway: cpuUs(gatewayCpu, readings) };
  if (influxdMs !== undefined) cpu.influxd = (influxdMs * 1000) / readings;
  return { perSec, lost, cpu };
}

async function countLost(store: Store, readings: number): Promise<number> {
  const seqs = new Set(await store.sequences("water-main"));
  let lost = 0;
  for (let s = 1; s <= readings; s++) if (!seqs.has(s)) lost++;
  return lost;
}

/**
 * SD-card wear: bytes the journal alone writes per reading at the default group commit, for a
 * board of `perCommit` sensors sampled together (one sampling round per commit, as at a 10 s
 * interval with the 1 s timer), including the deletes that acknowledgements cause. The floor is
 * one 4 KiB filesystem block per fsync, so 4096 / perCommit bytes.
 */
export async function journalWear(readings: number, perCommit = 5): Promise<number> {
  const dir = tempDir("cs-wear-");
  // Rounds a second apart never meet the flush pacing: off, so the loop need not wait it out.
  const journal = new Journal({ path: join(dir.path, "journal.db"), clock: systemClock, firstSeq: 1, minFlushIntervalMs: 0 });
  journal.open();
  const before = processWriteBytes();
  for (let i = 0; i < readings; i += perCommit) {
    for (let k = 0; k < perCommit; k++) journal.append({ sensor: `sensor-${k % 20}`, value: 1000 + i, unit: "L", quality: "good" });
    journal.commit();
    await journal.flushed(); // one flush per commit, as with rounds a second apart
    journal.acknowledge([[i + 1, i + perCommit]]);
  }
  const bytes = processWriteBytes() - before;
  journal.close();
  dir.remove();
  return bytes / readings;
}
