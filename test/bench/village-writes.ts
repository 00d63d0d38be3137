// Daily write volume of the simulated village (`npm start`): the gateway, its store and the four
// simulated agents' journals in one process. Bytes this process makes the kernel write to storage
// (/proc/<pid>/io write_bytes, counted in 4 KiB blocks) over a window after start-up, scaled to a
// day, with the readings stored in the same window.
import { spawn } from "node:child_process";
import { freePort } from "../helpers/free-port.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { processWriteBytes } from "./proc-stats.ts";

export async function villageDailyWrites(seconds: number): Promise<{ bytesPerDay: number; readingsPerDay: number }> {
  const dir = tempDir("cs-bench-writes-");
  const httpPort = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "simulation/main.ts", "--data-dir", dir.path, "--mqtt-port", String(await freePort()), "--http-port", String(httpPort)],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  try {
    const stored = async () => {
      const health = (await (await fetch(`http://127.0.0.1:${httpPort}/api/health`)).json()) as { components: { ingest: { stored: number } } };
      return health.components.ingest.stored;
    };
    await waitFor("the simulated village storing readings", () => stored().then((n) => n > 0, () => false), { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 5_000)); // start-up writes (schemas, Node-RED's files) settle
    const [b0, r0, t0] = [processWriteBytes(child.pid!), await stored(), Date.now()];
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const [b1, r1, t1] = [processWriteBytes(child.pid!), await stored(), Date.now()];
    const perDay = 86_400_000 / (t1 - t0);
    return { bytesPerDay: (b1 - b0) * perDay, readingsPerDay: (r1 - r0) * perDay };
  } finally {
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await gone;
    dir.remove();
  }
}
