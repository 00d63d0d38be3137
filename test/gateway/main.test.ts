import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/temp-dir.ts";
import { repeatedKeys } from "../helpers/repeated-keys.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("gateway command line", () => {
  it("the gateway refuses a wrong village file naming file and field", () => {
    const dir = tempDir();
    const file = join(dir.path, "village.yaml");
    writeFileSync(file, "village: { id: riverbend, name: Riverbend, headCount: -3 }\nreserves: { water: { sensors: [tank-west-level] } }\n");
    const run = spawnSync(process.execPath, ["--import", "tsx", "gateway/main.ts", "--config", file, "--data-dir", dir.path], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("CS_ERR_CONFIG_INVALID");
    expect(run.stderr).toContain(`${file}: village.headCount:`);
    dir.remove();
  });

  it("the gateway and the hub refuse an unknown flag or a port that is not a number, with status 2 and the usage", () => {
    const run = (file: string, ...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", file, ...args], { encoding: "utf8", timeout: 30_000 });
    const gateway = run("gateway/main.ts", "--mqtt-prot", "1883");
    expect(gateway.status).toBe(2);
    expect(gateway.stderr).toContain("Unknown option '--mqtt-prot'");
    expect(gateway.stderr).toContain("usage: npm run gateway --");
    const village = run("simulation/main.ts", "--mqtt-prot", "1883");
    expect(village.status).toBe(2);
    expect(village.stderr).toContain("usage: npm start --");
    // The simulated village moved out of the gateway's command: said, not silently ignored.
    const simulate = run("gateway/main.ts", "--simulate");
    expect(simulate.status).toBe(2);
    expect(simulate.stderr).toContain("the simulated village is `npm start` (simulation/main.ts)");
    const hub = run("gateway/hub-main.ts", "--villages", "riverbend,hillside", "--http-port", "18x1");
    expect(hub.status).toBe(2);
    expect(hub.stderr).toContain('--http-port: "18x1" is not a whole number from 0 to 65535');
    expect(hub.stderr).toContain("usage: npm run hub --");
    const escalate = run("gateway/hub-main.ts", "--villages", "riverbend", "--escalate-to", "mqtt://127.0.0.1:1884");
    expect(escalate.status).toBe(2);
    expect(escalate.stderr).toContain("--escalate-to and --escalate-as go together");
  });

  it("the gateway names a data directory it cannot make before it opens anything", () => {
    const dir = tempDir();
    const file = join(dir.path, "not-a-dir");
    writeFileSync(file, "");
    const run = spawnSync(process.execPath, ["--import", "tsx", "gateway/main.ts", "--data-dir", join(file, "data"), "--mqtt-port", "0", "--http-port", "0", "--host", "127.0.0.1"], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`command line: dataDir: ENOTDIR: not a directory, mkdir '${join(file, "data")}'`);
    expect(run.stderr).not.toContain("    at ");
    dir.remove();
  });

  it("the gateway names a reserves sensor and an alarm output no board declares", () => {
    const dir = tempDir();
    const file = join(dir.path, "village.yaml");
    writeFileSync(file, "reserves: { water: { sensors: [tank-north-level, tank-west-level] } }\nalarms: { outputs: [{ device: water-main, output: foghorn }] }\n");
    const run = spawnSync(process.execPath, ["--import", "tsx", "gateway/main.ts", "--config", file, "--data-dir", dir.path, "--mqtt-port", "0", "--http-port", "0", "--host", "127.0.0.1"], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}: reserves.water.sensors[1]: no board declares a sensor "tank-west-level"`);
    expect(run.stderr).toContain(`${file}: alarms.outputs[0]: no output "foghorn" on device "water-main"`);
    dir.remove();
  });

  it("npm start's command runs the simulated village with dashboards and a printed one-off demo account", async () => {
    const { spawn } = await import("node:child_process");
    const dir = tempDir();
    const child = spawn(process.execPath, ["--import", "tsx", "simulation/main.ts", "--data-dir", dir.path, "--mqtt-port", "0", "--http-port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    try {
      const urls = await new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start-up banner:\n${out.slice(-2000)}`)), 60_000);
        child.stdout.on("data", () => {
          const m = /Dashboards +(http:\/\/[^ ]+)\/dashboard[\s\S]*Log in +\S+ +\(demo account maintenance, password (\S+)\)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code}:\n${out.slice(-2000)}`)));
      });
      const [, base, password] = urls;
      const health = await fetch(`${base}/api/health`);
      expect(health.status).toBe(200);
      const token = await fetch(`${base}/admin/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: "node-red-admin", grant_type: "password", scope: "*", username: "maintenance", password }),
      });
      expect(token.status).toBe(200);
      // Every agent has started and connected: each log line names its board once, and no line
      // repeats a key (a board and a module bound twice did, before 2026-12-03).
      const lines = () => out.split("\n").filter((l) => l.startsWith("{")).map((l) => ({ text: l, json: JSON.parse(l) as { msg: string; board?: string } }));
      await waitFor("four agents connected", () => lines().filter((l) => l.json.msg === "connected to gateway").length === 4, { timeoutMs: 30_000 });
      const started = lines().filter((l) => l.json.msg === "edge agent started").map((l) => l.json.board);
      expect(started.sort()).toEqual(["greenhouse-main", "pantry-main", "power-main", "water-main"]);
      expect(lines().filter((l) => l.json.msg === "connected to gateway").map((l) => l.json.board).sort()).toEqual(started);
      expect(lines().flatMap((l) => repeatedKeys(l.text).map((k) => `${k} in ${l.text}`))).toEqual([]);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      dir.remove();
    }
  }, 90_000);
});
