// Memory: a simulated edge agent against a bare MQTT.js publisher sending the same messages at the
// same rate, each in its own process with the V8 limits a Pi runs the agent with (README):
// --max-old-space-size=64 and --max-semi-space-size=2. The same flags for both, so the ratio is
// what the agent adds.
import { spawn } from "node:child_process";
import { processRssKb } from "./proc-stats.ts";

export async function measureRss(args: string[], seconds: number): Promise<number> {
  const child = spawn(process.execPath, ["--max-old-space-size=64", "--max-semi-space-size=2", "--import", "tsx", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let peak = 0;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited ${child.exitCode}: ${stderr.slice(-500)}`);
    peak = Math.max(peak, processRssKb(child.pid!));
  }
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await gone;
  return peak / 1024;
}
