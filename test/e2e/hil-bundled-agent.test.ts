// What a Pi runs is esbuild's bundle of the agent (edge/build.mjs), not the TypeScript the other
// HIL tests import: here that bundle, under node alone, reads the water board on StandardFirmata
// on the emulated ATmega328P (its Firmata chunk, johnny-five and serialport as bundled or left
// outside) and the gateway stores its readings.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { agentDeliversReading } from "../helpers/agent-delivers.ts";

describe("the bundled agent on real firmware", () => {
  it("reads the water board over StandardFirmata and delivers readings the gateway stores", async () => {
    const dir = tempDir("cs-hil-bundle-");
    const uno = await UnoEmulator.start();
    try {
      for (const pin of [0, 1, 2]) uno.adc(pin, 2_500);
      uno.adc(3, 1_000);
      // Inside the project, as dist/ is: the native modules left outside come from its node_modules.
      const out = "test-results/hil-bundle";
      const build = spawnSync(process.execPath, ["edge/build.mjs", "--outdir", out], { encoding: "utf8" });
      expect(build.status, build.stdout + build.stderr).toBe(0);
      // The reference water board on the emulated Uno; its relays' start-up pulse is the boot
      // tests' subject (hil-kit-boot), declared handled here so the board check lets it run.
      const board = join(dir.path, "water.yaml");
      const doc = parse(readFileSync("boards/water.yaml", "utf8"));
      doc.io = { kind: "firmata", path: uno.path };
      for (const a of doc.actuators) a.bootGuard = "relay board's JD-VCC switched on after the agent started";
      writeFileSync(board, stringify(doc));
      await agentDeliversReading({
        what: "the bundled agent on StandardFirmata",
        args: (gateway) => [join(out, "edge/main.js"), "--board", board, "--gateway", gateway, "--data-dir", join(dir.path, "journal")],
        device: "water-main",
      });
    } finally {
      await uno.stop();
      dir.remove();
      rmSync("test-results/hil-bundle", { recursive: true, force: true });
    }
  }, 90_000);
});
