// A real village gateway as its own process (`npm run gateway -- --config <file>`), on loopback
// ports picked here, with a configuration the test writes: what a village would run, not the demo.
// The test's `http` keys are kept; host and port are always the ones picked here.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";
import { stopChild } from "./stop-child.ts";

export interface GatewayProcess {
  base: string;
  mqttUrl: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

export async function startGatewayProcess(config: Record<string, unknown> = {}): Promise<GatewayProcess> {
  const dir = tempDir("cs-gwp-");
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const file = join(dir.path, "village.json");
  writeFileSync(file, JSON.stringify({
    dataDir: dir.path,
    mqtt: { host: "127.0.0.1", port: mqttPort },
    nodeRed: { enabled: false },
    ...config,
    http: { ...(config.http as object | undefined), host: "127.0.0.1", port: httpPort },
  }));
  const child = spawn(process.execPath, ["--import", "tsx", "gateway/main.ts", "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const base = `http://127.0.0.1:${httpPort}`;
  await waitFor("the gateway process", async () => {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}:\n${out.slice(-2000)}`);
    return fetch(`${base}/api/health`).then((r) => r.status < 500 || r.status === 503, () => false);
  }, { timeoutMs: 60_000 });
  return {
    base,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    dataDir: dir.path,
    child,
    output: () => out,
    async stop() {
      await stopChild(child);
      dir.remove();
    },
  };
}
