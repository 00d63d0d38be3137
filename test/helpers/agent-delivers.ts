// An edge agent's command line run as a Pi would run it (node, no tsx) against a test gateway,
// until the gateway has stored a reading of `device`; both are stopped after. Fails with the
// agent's own last words when no reading arrives, at once when the agent exits first.
import { spawn } from "node:child_process";
import { startTestGateway } from "./test-gateway.ts";
import { stopChild } from "./stop-child.ts";
import { waitFor } from "./wait-for.ts";

export async function agentDeliversReading(o: { what: string; args: (brokerUrl: string) => string[]; cwd?: string; device: string }): Promise<void> {
  const gw = await startTestGateway();
  const stored: string[] = [];
  gw.gateway.bus.on("stored", (readings) => stored.push(...readings.map((r) => r.device)));
  const agent = spawn(process.execPath, o.args(gw.gateway.broker.url), { cwd: o.cwd, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  agent.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<never>((_, reject) => agent.once("exit", (code, signal) => reject(new Error(`${o.what} exited (${signal ?? code}) before a reading was stored`))));
  try {
    await Promise.race([waitFor(`a reading from ${o.what}, stored`, () => stored.includes(o.device), { timeoutMs: 30_000 }), exited]);
  } catch (err) {
    throw new Error(`${(err as Error).message}; agent: ${stderr.slice(-1500)}`);
  } finally {
    await stopChild(agent);
    await gw.stop();
  }
}
