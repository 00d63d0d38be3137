// Starts a real mosquitto (Debian's) on a free loopback port with a configuration of its own:
// anonymous clients, no persistence file, no limit on the messages it queues for a client with a
// persistent session that is away. Fails, never skips, when mosquitto is not installed.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "node:net";
import { freePort } from "./free-port.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";
import { stopChild } from "./stop-child.ts";

export interface Mosquitto {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<Mosquitto> {
  const bin = ["/usr/sbin/mosquitto", spawnSync("sh", ["-c", "command -v mosquitto"], { encoding: "utf8" }).stdout.trim()].find((p) => p && spawnSync("test", ["-x", p]).status === 0);
  if (!bin) throw new Error("mosquitto is not installed: the MING peer benchmark runs the broker a village would otherwise run. Install it with `apt-get install -y mosquitto`.");
  const dir = tempDir("cs-mosquitto-");
  const port = await freePort();
  const conf = join(dir.path, "mosquitto.conf");
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 0\nlog_dest none\n`);
  const child = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
  await waitFor("mosquitto listening", () => {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${stderr}`);
    return new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
  }, { timeoutMs: 10_000 });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      await stopChild(child);
      dir.remove();
    },
  };
}
