import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/temp-dir.ts";

describe("edge agent command line", () => {
  it("exits non-zero naming file and field for a wrong board file", () => {
    const dir = tempDir();
    const file = join(dir.path, "tank.yaml");
    writeFileSync(file, "id: tank-west\ndomain: water\nname: West\nio: { kind: simulated }\nsensors:\n  - { id: level, driver: sonar, pin: A0 }\n");
    const run = spawnSync(process.execPath, ["--import", "tsx", "edge/main.ts", "--board", file, "--gateway", "mqtt://127.0.0.1:1"], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("CS_ERR_BOARD_INVALID");
    expect(run.stderr).toContain(`${file}: sensors[0].driver: unknown driver "sonar"`);
    dir.remove();
  });
});
