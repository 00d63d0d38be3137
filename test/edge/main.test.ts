import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
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

  it("refuses an unknown flag, a sample interval setInterval would take for 1 ms and a gateway that is not an MQTT URL, with status 2 and the usage", () => {
    const dir = tempDir(); // where a journal would go, had the agent started
    const agent = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "edge/main.ts", "--board", "boards/water.yaml", "--gateway", "mqtt://127.0.0.1:1", "--data-dir", dir.path, ...args], { encoding: "utf8", timeout: 30_000 });
    for (const [args, problem] of [
      [["--sample-intervall-ms", "1000"], "Unknown option '--sample-intervall-ms'"],
      [["--sample-interval-ms", "ten"], '--sample-interval-ms: "ten" is not a whole number from 10 to 3600000'],
      [["--sample-interval-ms", "0"], '--sample-interval-ms: "0" is not a whole number from 10 to 3600000'],
      [["--sample-interval-ms", ""], '--sample-interval-ms: "" is not a whole number from 10 to 3600000'],
      [["--gateway", "gateway.local:1883"], '--gateway: "gateway.local:1883" is not a URL of the form mqtt://host:port or mqtts://host:port'],
      [["--gateway", "http://gateway.local:1883"], '--gateway: "http://gateway.local:1883" is not a URL of the form mqtt://host:port or mqtts://host:port'],
    ] as const) {
      const run = agent(...args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(problem);
      expect(run.stderr).toContain("usage: npm run edge -- --board boards/<file>.yaml");
    }
    dir.remove();
  });

  it("stops naming the file when the credentials file is missing, not JSON or lacks the password, or the data directory cannot be made", () => {
    const dir = tempDir();
    const agent = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "edge/main.ts", "--board", "boards/water.yaml", "--gateway", "mqtt://127.0.0.1:1", "--data-dir", dir.path, ...args], { encoding: "utf8", timeout: 30_000 });
    const cut = join(dir.path, "cut.json");
    const noPassword = join(dir.path, "no-password.json");
    writeFileSync(cut, '{"username":"water-main"');
    writeFileSync(noPassword, '{"username":"water-main"}');
    for (const f of [cut, noPassword]) chmodSync(f, 0o600);
    for (const [args, problem] of [
      [["--credentials", join(dir.path, "absent.json")], `CS_ERR_CONFIG_INVALID: configuration is invalid: --credentials: ENOENT: no such file or directory, stat '${join(dir.path, "absent.json")}'`],
      [["--credentials", cut], `CS_ERR_CONFIG_INVALID: configuration is invalid: ${cut}: not the JSON npm run enrol writes: `],
      [["--credentials", noPassword], `CS_ERR_CONFIG_INVALID: configuration is invalid: ${noPassword}: password: `],
      [["--gateway", "mqtts://127.0.0.1:1", "--ca", join(dir.path, "absent.pem")], `CS_ERR_CONFIG_INVALID: configuration is invalid: --ca: ENOENT`],
      [["--data-dir", join(cut, "data")], `CS_ERR_CONFIG_INVALID: configuration is invalid: --data-dir: ENOTDIR: not a directory, mkdir '${join(cut, "data")}'`],
    ] as const) {
      const run = agent(...args);
      expect(run.status, args.join(" ")).toBe(1);
      expect(run.stderr).toContain(problem);
      expect(run.stderr).not.toContain("    at "); // no stack trace
    }
    dir.remove();
  });
});
