// What the README tells a village to install: the systemd units pass systemd-analyze verify, the
// edge unit runs what `npm run build:edge` makes, and the sample village.yaml loads with no problem
// against the reference boards.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadGatewayConfigFile, parseGatewayConfig } from "../../gateway/config/load.ts";
import { checkAlarmOutputs, checkReserveSensors } from "../../gateway/config/check.ts";
import { DeviceRegistry } from "../../gateway/ingest/device-registry.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { agentDeliversReading } from "../helpers/agent-delivers.ts";

function verify(file: string) {
  const found = spawnSync("sh", ["-c", "command -v systemd-analyze"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("systemd-analyze is not installed: the unit files are checked with it. Install it with `apt-get install -y systemd`.");
  return spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
}

describe("deployment files", () => {
  it("every systemd unit in deploy/systemd passes systemd-analyze verify; a broken one does not", () => {
    const units = readdirSync("deploy/systemd");
    expect(units.sort()).toEqual(["commons-sense-edge@.service", "commons-sense-gateway.service", "commons-sense-hub.service"]);
    for (const unit of units) {
      const run = verify(join("deploy/systemd", unit));
      expect(run.status, `${unit}: ${run.stderr}`).toBe(0);
      expect(run.stderr, unit).toBe("");
    }
    const dir = tempDir();
    const broken = join(dir.path, "broken.service");
    writeFileSync(broken, "[Service]\nExecStart=node gateway/main.ts\nRestart=sometimes\n");
    const run = verify(broken);
    dir.remove();
    expect(run.stderr).toMatch(/Restart|executable|absolute/i);
  });

  it("the edge unit runs the compiled build: node alone, no tsx, to a reading the gateway stores", async () => {
    // The unit's command line, with the build in a folder of this test's own (the benchmark builds dist/).
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync("deploy/systemd/commons-sense-edge@.service", "utf8"))![1].split(" ");
    expect(execStart[0]).toBe("/usr/bin/node");
    expect(execStart.slice(1).find((a) => !a.startsWith("--"))).toBe("dist/edge/main.js"); // node's own flags first
    const out = "test-results/edge-build";
    rmSync(out, { recursive: true, force: true });
    const build = spawnSync(process.execPath, ["edge/build.mjs", "--outdir", out], { encoding: "utf8" });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    const args = execStart.slice(1).map((a) => a.replace(/^dist\//, `${out}/`).replace("%i", "water"));
    const version = spawnSync(process.execPath, [...args, "--version"], { encoding: "utf8" });
    expect(version.stdout.trim()).toBe(`commons-sense ${JSON.parse(readFileSync("package.json", "utf8")).version}`);

    const dir = tempDir();
    try {
      // node without tsx: Node 20 cannot load a .ts file, so an import the build left unrewritten fails here.
      await agentDeliversReading({ what: "the compiled agent", args: (gateway) => [...args, "--gateway", gateway, "--data-dir", dir.path], device: "water-main" });
    } finally {
      dir.remove();
    }
  }, 90_000);

  it("the sample village.yaml loads, and names only sensors and outputs the reference boards declare", () => {
    const config = parseGatewayConfig(loadGatewayConfigFile("deploy/village.example.yaml"), "deploy/village.example.yaml");
    const registry = new DeviceRegistry(loadBoardDir(config.boardsDir));
    expect([...checkReserveSensors(config, registry), ...checkAlarmOutputs(config, registry)]).toEqual([]);
    expect(config.village).toEqual({ id: "riverbend", name: "Riverbend", headCount: 180 });
    expect(config.alarms.outputs).toEqual([{ device: "water-main", output: "alarm-siren", urgencies: ["Emergency"], until: "acknowledged" }]);
  });
});
