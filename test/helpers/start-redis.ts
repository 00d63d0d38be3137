// Starts a real redis-server (Debian's package) on a free loopback port, with no persistence to
// disk, and stops it. Fails, never skips, when redis-server is not installed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./free-port.ts";
import { waitFor } from "./wait-for.ts";
import { stopChild } from "./stop-child.ts";

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

function requireRedisServer(): string {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("redis-server is not installed: the hub-on-Redis tests need a real Redis. Install it with `apt-get install -y redis-server`.");
  return found;
}

/** One PING over RESP: true when Redis answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => (socket.destroy(), resolve(d.toString().startsWith("+PONG"))));
  });
}

/** On a free port, or on `port` (to bring a stopped one back where its clients look for it). */
export async function startRedis(port?: number): Promise<RedisServer> {
  const bin = requireRedisServer();
  port ??= await freePort();
  const child: ChildProcess = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
  await waitFor(`redis-server on port ${port}${stderr ? `: ${stderr}` : ""}`, () => ping(port), { timeoutMs: 15_000, intervalMs: 50 });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child),
  };
}
