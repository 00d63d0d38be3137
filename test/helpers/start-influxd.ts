// Starts a real influxd (Debian's influxdb 1.x) on free loopback ports with its own temp
// directories and reporting off. Fails, never skips, when influxd is not installed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";
import { stopChild } from "./stop-child.ts";

export interface Influxd {
  url: string;
  /** Stops the server (data stays), as an outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
  /** The running server's process id, for benchmarks that read its CPU time. */
  pid(): number | undefined;
}

export function requireInfluxd(): string {
  const found = spawnSync("sh", ["-c", "command -v influxd"], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (!path) {
    throw new Error("influxd is not installed: these tests need a real InfluxDB 1.x. Install it with `apt-get install -y influxdb`.");
  }
  return path;
}

export async function startInfluxd(): Promise<Influxd> {
  const bin = requireInfluxd();
  const dir = tempDir("cs-influxd-");
  const httpPort = await freePort();
  const rpcPort = await freePort();
  for (const d of ["meta", "data", "wal"]) mkdirSync(join(dir.path, d));
  const configPath = join(dir.path, "influxdb.conf");
  writeFileSync(
    configPath,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir.path, "meta")}"
[data]
  dir = "${join(dir.path, "data")}"
  wal-dir = "${join(dir.path, "wal")}"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(bin, ["-config", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
    const exited = new Promise<never>((_, reject) =>
      child!.once("exit", (code) => reject(new Error(`influxd exited with ${code}: ${stderr}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([
      waitFor("influxd /ping", async () => (await fetch(`${url}/ping`)).status === 204, { timeoutMs: 30_000, intervalMs: 100 }),
      exited,
    ]);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    await stopChild(c);
  };
  await start();
  return {
    url,
    start,
    stop,
    pid: () => child?.pid,
    dispose: async () => {
      await stop();
      dir.remove();
    },
  };
}
