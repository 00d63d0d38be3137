// What the README tells a village to install: the systemd units pass systemd-analyze verify, the
// edge unit runs what `npm run build:edge` makes, and the sample village.yaml loads with no problem
// against the reference boards.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
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
    expect(units.sort()).toEqual(["commons-sense-backup.service", "commons-sense-backup.timer", "commons-sense-edge@.service", "commons-sense-gateway.service", "commons-sense-hub.service"]);
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

  it("the backup unit's commands, run as systemd would (its %% unescaped), make a dated backup and keep only the last 14 days", () => {
    const unit = readFileSync("deploy/systemd/commons-sense-backup.service", "utf8");
    const dir = tempDir();
    try {
      const [data, backups] = [join(dir.path, "data"), join(dir.path, "backups")];
      mkdirSync(join(data, "edge"), { recursive: true });
      writeFileSync(join(data, "identities.json"), "{}", { mode: 0o600 });
      mkdirSync(join(backups, "2026-11-01-0330"), { recursive: true });
      const old = new Date(Date.now() - 20 * 86_400_000);
      utimesSync(join(backups, "2026-11-01-0330"), old, old);
      mkdirSync(join(backups, "2026-12-01-0330"));
      const line = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(unit)![1]
        .replaceAll("%%", "%").replaceAll("/usr/bin/node", process.execPath).replaceAll("/var/backups/commons-sense", backups);
      const shell = (command: string) => spawnSync("sh", ["-c", command.replace(/^\/bin\/sh -c '(.*)'$/, "$1")], { encoding: "utf8", env: { ...process.env, CS_DATA_DIR: data } });
      const run = shell(line("ExecStart"));
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const post = shell(line("ExecStartPost"));
      expect(post.status, post.stderr).toBe(0);
      const kept = readdirSync(backups).sort();
      expect(kept).toHaveLength(2);
      expect(kept[0]).toBe("2026-12-01-0330");
      expect(kept[1]).toMatch(/^\d{4}-\d{2}-\d{2}-\d{4}$/);
      expect(readdirSync(join(backups, kept[1])).sort()).toEqual(["BACKUP.json", "edge", "identities.json"]);
    } finally {
      dir.remove();
    }
  });
});
