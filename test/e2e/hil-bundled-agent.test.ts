// What a Pi runs is esbuild's bundle of the agent (edge/build.mjs), not the TypeScript the other
// HIL tests import: here that bundle, under node alone, reads the water board on StandardFirmata
// on the emulated ATmega328P (its Firmata chunk, johnny-five and serialport as bundled or left
// outside) and the gateway stores its readings. The bundle leaves johnny-five's REPL out.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { agentDeliversReading } from "../helpers/agent-delivers.ts";
import { waterBoardFileOn } from "../helpers/water-board-file.ts";

describe("the bundled agent on real firmware", () => {
  it("reads the water board over StandardFirmata and delivers readings the gateway stores", async () => {
    const dir = tempDir("cs-hil-bundle-");
    const uno = await UnoEmulator.start();
    try {
      // Inside the project, as dist/ is: the native modules left outside come from its node_modules.
      const out = "test-results/hil-bundle";
      const build = spawnSync(process.execPath, ["edge/build.mjs", "--outdir", out], { encoding: "utf8" });
      expect(build.status, build.stdout + build.stderr).toBe(0);
      // Without johnny-five's REPL (edge/build.mjs): Node's repl would bring domain's wrapper of every event.
      const requiring = readdirSync(join(out, "edge/chunks")).filter((f) => /\(\s*"(node:)?(repl|domain)"\s*\)/.test(readFileSync(join(out, "edge/chunks", f), "utf8")));
      expect(requiring, "chunks requiring repl or domain").toEqual([]);
      const board = waterBoardFileOn(uno, dir.path);
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
