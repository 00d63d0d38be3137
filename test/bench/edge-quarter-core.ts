// The edge on a Pi's budget (issue: performance where a village feels it): the simulated water
// board's agent in a cgroup capped at a quarter of a core (cgroup v1 cpu.cfs_quota_us, a stand-in
// for a Pi Zero 2 W's core), at the board's own 10 s sampling interval, against a gateway in this
// process. Start to the first reading the gateway has stored; CPU per sampling round and as a share
// of the capped core; peak RSS. The agent runs as deployed (deploy/systemd): the compiled build
// (npm run build:edge, made here first) under node with small V8 heaps.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import pino from "pino";
import { Gateway } from "../../gateway/gateway.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { edgeNodeFlags } from "./edge-node-flags.ts";
import { processCpuMs, processRssKb } from "./proc-stats.ts";

const CPU_CONTROLLER = "/sys/fs/cgroup/cpu";
const PERIOD_US = 100_000;
const QUOTA_US = 25_000; // a quarter of a core

export interface EdgeOnQuarterCore {
  firstStoredMs: number;
  cpuMsPerRound: number;
  cappedCorePct: number;
  peakRssMb: number;
  throttledPeriods: number;
}

/** Throws, naming why, where the cgroup cannot be made (no cgroup v1 cpu controller, not root). */
export async function edgeOnQuarterCore(windowSeconds: number): Promise<EdgeOnQuarterCore> {
  const group = `${CPU_CONTROLLER}/cs-bench-edge-${process.pid}`;
  try {
    mkdirSync(group);
    writeFileSync(`${group}/cpu.cfs_period_us`, String(PERIOD_US));
    writeFileSync(`${group}/cpu.cfs_quota_us`, String(QUOTA_US));
  } catch (err) {
    throw new Error(`a quarter-core cgroup could not be made under ${CPU_CONTROLLER} (cgroup v1 cpu controller, as root): ${(err as Error).message}`);
  }
  const dir = tempDir("cs-bench-edge-cap-");
  const config = parseGatewayConfig({ dataDir: dir.path, mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0 }, nodeRed: { enabled: false } }, "bench");
  const gateway = new Gateway({ config, boards: loadBoardDir("boards"), log: pino({ level: "silent" }) });
  await gateway.start();
  let firstStoredAt: number | undefined;
  gateway.bus.on("stored", (readings) => {
    if (firstStoredAt === undefined && readings.some((r) => r.device === "water-main")) firstStoredAt = performance.now();
  });
  const agentDir = `${dir.path}/edge`;
  buildEdge();
  const started = performance.now();
  // The shell joins the cgroup, then becomes node: the agent is capped from its first instruction.
  const child = spawn("sh", ["-c", `echo $$ > ${group}/cgroup.procs && exec "$0" "$@"`, process.execPath, ...edgeNodeFlags(), "dist/edge/main.js", "--board", "boards/water.yaml", "--gateway", gateway.broker.url, "--data-dir", agentDir], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
  try {
    const waitUntil = async (what: string, ok: () => boolean, ms: number) => {
      const deadline = performance.now() + ms;
      while (!ok()) {
        if (child.exitCode !== null) throw new Error(`the agent exited ${child.exitCode}: ${stderr}`);
        if (performance.now() > deadline) throw new Error(`no ${what} within ${ms / 1000} s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitUntil("stored reading from the capped agent", () => firstStoredAt !== undefined, 120_000);
    const firstStoredMs = firstStoredAt! - started;
    // Past start-up (code compiled on first use, V8's memory reducer's full collections some
    // seconds after start, the first status): the window holds steady sampling rounds only.
    await new Promise((r) => setTimeout(r, 15_000));
    const throttledBefore = throttled(group);
    const cpuBefore = processCpuMs(child.pid!);
    let peakKb = processRssKb(child.pid!);
    const windowEnd = performance.now() + windowSeconds * 1000;
    while (performance.now() < windowEnd) {
      await new Promise((r) => setTimeout(r, 250));
      if (child.exitCode !== null) throw new Error(`the agent exited ${child.exitCode}: ${stderr}`);
      peakKb = Math.max(peakKb, processRssKb(child.pid!));
    }
    const cpuMs = processCpuMs(child.pid!) - cpuBefore;
    const rounds = windowSeconds / 10;
    return {
      firstStoredMs,
      cpuMsPerRound: cpuMs / rounds,
      cappedCorePct: (100 * cpuMs) / (windowSeconds * 1000 * (QUOTA_US / PERIOD_US)),
      peakRssMb: peakKb / 1024,
      throttledPeriods: throttled(group) - throttledBefore,
    };
  } finally {
    const gone = new Promise((r) => child.once("exit", r));
    if (child.exitCode === null) child.kill("SIGTERM");
    await gone;
    await gateway.stop();
    dir.remove();
    rmdirSync(group);
  }
}

/** The edge's compiled build, as `npm run build:edge` makes it (dist/edge/main.js). */
function buildEdge(): void {
  execFileSync(process.execPath, ["edge/build.mjs"], { stdio: "pipe" });
}

function throttled(group: string): number {
  return Number(/nr_throttled (\d+)/.exec(readFileSync(`${group}/cpu.stat`, "utf8"))?.[1] ?? NaN);
}
