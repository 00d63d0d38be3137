import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/temp-dir.ts";

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

  it("the gateway names a reserves sensor no board declares", () => {
    const dir = tempDir();
    const file = join(dir.path, "village.yaml");
    writeFileSync(file, "reserves: { water: { sensors: [tank-north-level, tank-west-level] } }\n");
    const run = spawnSync(process.execPath, ["--import", "tsx", "gateway/main.ts", "--config", file, "--data-dir", dir.path, "--mqtt-port", "0", "--http-port", "0", "--host", "127.0.0.1"], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}: reserves.water.sensors[1]: no board declares a sensor "tank-west-level"`);
    dir.remove();
  });
});
