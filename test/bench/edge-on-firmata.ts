// The edge agent on real firmware (issue: performance where a village feels it): the bundled agent
// as a Pi runs it, reading the water board through StandardFirmata on the emulated ATmega328P
// (simavr), at the board's own 10 s sampling. The simulated board of the quarter-core row costs
// little to read; a real one sends a Firmata message for every analog report, which this counts.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import pino from "pino";
import { Gateway } from "../../gateway/gateway.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { stopChild } from "../helpers/stop-child.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { waterBoardFileOn } from "../helpers/water-board-file.ts";
import { edgeNodeFlags } from "./edge-node-flags.ts";
import { processCpuMs } from "./proc-stats.ts";

export interface EdgeOnFirmata {
  cpuMsPerRound: number;
  /** Good readings the gateway stored in the window: the agent was reading, not idling on a dead link. */
  goodReadings: number;
}

export async function edgeOnFirmata(windowSeconds: number): Promise<EdgeOnFirmata> {
  execFileSync(process.execPath, ["edge/build.mjs"], { stdio: "pipe" }); // dist/, as npm run build:edge
  const dir = tempDir("cs-bench-firmata-");
  const uno = await UnoEmulator.start();
  const config = parseGatewayConfig({ dataDir: join(dir.path, "gw"), mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0 }, nodeRed: { enabled: false } }, "bench");
  const gateway = new Gateway({ config, boards: loadBoardDir("boards"), log: pino({ level: "silent" }) });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const board = waterBoardFileOn(uno, dir.path);
    await gateway.start();
    let good = 0;
    gateway.bus.on("stored", (readings) => (good += readings.filter((r) => r.device === "water-main" && r.quality === "good").length));
    child = spawn(process.execPath, [...edgeNodeFlags(), "dist/edge/main.js", "--board", board, "--gateway", gateway.broker.url, "--data-dir", join(dir.path, "edge")], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 12_000)); // past start-up and the first rounds
    const cpuBefore = processCpuMs(child.pid!);
    const goodBefore = good;
    await new Promise((r) => setTimeout(r, windowSeconds * 1000));
    if (child.exitCode !== null) throw new Error(`the agent exited ${child.exitCode}`);
    return { cpuMsPerRound: (processCpuMs(child.pid!) - cpuBefore) / (windowSeconds / 10), goodReadings: good - goodBefore };
  } finally {
    await stopChild(child);
    await gateway.stop();
    await uno.stop();
    dir.remove();
  }
}
