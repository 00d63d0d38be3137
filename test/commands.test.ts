// Every command a village runs answers --help and --version with status 0, and a gateway or hub
// whose port is taken says so in one line, not with a stack trace.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { readFileSync } from "node:fs";
import { freePort } from "./helpers/free-port.ts";
import { tempDir } from "./helpers/temp-dir.ts";

const COMMANDS = [
  "gateway/main.ts",
  "simulation/main.ts",
  "gateway/hub-main.ts",
  "gateway/security/enrol-main.ts",
  "gateway/backup-main.ts",
  "edge/main.ts",
  "edge/calibrate/main.ts",
  "simulation/drill/main.ts",
  "test/bench/run.ts",
  "test/chaos/main.ts",
];
const run = (file: string, ...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", file, ...args], { encoding: "utf8", timeout: 30_000 });
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("commands", () => {
  it.each(COMMANDS)("%s answers --help with its usage and --version with the version, status 0", (file) => {
    const help = run(file, "--help");
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: (npm|node)/);
    const v = run(file, "--version");
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(`commons-sense ${version}`);
  });

  it("a drill says how far it is, day by day, on stderr, leaving the timeline on stdout", () => {
    const out = tempDir("cs-drill-out-");
    try {
      const drill = run("simulation/drill/main.ts", "sensor-faults", "--out", out.path);
      expect(drill.status, drill.stderr).toBe(0);
      expect(drill.stderr.trim().split("\n").map((l) => l.replace(/ \([\d.]+ s\)$/, ""))).toEqual([1, 2, 3, 4].map((d) => `simulated day ${d} of 4 done`));
      expect(drill.stdout).toContain("Drill sensor-faults:");
    } finally {
      out.remove();
    }
  });

  it("a gateway and a hub whose port is taken say so in one line, status 1", async () => {
    const port = await freePort();
    const dir = tempDir("cs-port-taken-");
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(port, "127.0.0.1", r));
    try {
      const gateway = run("gateway/main.ts", "--host", "127.0.0.1", "--mqtt-port", "0", "--http-port", String(port), "--data-dir", dir.path);
      expect(gateway.status).toBe(1);
      expect(gateway.stderr.trim()).toBe(`the gateway did not start: port ${port} on 127.0.0.1 is in use: stop what holds it (another instance?) or choose another port`);
      const hub = run("gateway/hub-main.ts", "--villages", "riverbend,hillside", "--open-broker", "--host", "127.0.0.1", "--mqtt-port", String(port), "--http-port", "0");
      expect(hub.status).toBe(1);
      expect(hub.stderr).toContain(`the hub did not start: port ${port} on 127.0.0.1 is in use`);
      expect(hub.stderr).not.toContain("    at ");
    } finally {
      await new Promise((r) => taken.close(r));
      dir.remove();
    }
  }, 60_000);
});
