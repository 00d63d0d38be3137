// Calibration: the walk a maintenance circle follows, the board file rewritten with only the
// calibration changed and every comment kept, and the CLI's refusals naming file and field.
import { describe, expect, it } from "vitest";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { loadBoardFile } from "../../../protocol/board/load.ts";
import { walkCalibration, type CalibratableSensor, type CalibrationIo } from "../../../edge/calibrate/steps.ts";
import { writeCalibration } from "../../../edge/calibrate/board-file-writer.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

function scripted(answers: string[], raws: number[]): CalibrationIo & { said: string[]; asked: string[] } {
  const said: string[] = [];
  const asked: string[] = [];
  return {
    said,
    asked,
    ask: async (q) => {
      asked.push(q);
      return answers.shift() ?? "";
    },
    say: (line) => said.push(line),
    readRaw: async () => raws.shift()!,
  };
}

const sensorOf = (file: string, id: string) => loadBoardFile(file).board.sensors.find((s) => s.id === id) as CalibratableSensor;

describe("calibration", () => {
  it("walks two points for a linear sensor, asking again when an answer is not a number", async () => {
    const io = scripted(["", "0", "", "fifty", "58,5"], [12.4, 997.6]);
    const calibration = await walkCalibration(sensorOf("boards/power.yaml", "battery-voltage"), io);
    expect(calibration).toEqual({ counts: [12, 998], values: [0, 58.5] });
    expect(io.said).toContain('  "fifty" is not a number; try again.');
  });

  it("tares a load-cell bin and spans it with a known weight", async () => {
    const io = scripted(["", "0", "", "25"], [184_220, 1_244_670]);
    const calibration = await walkCalibration(sensorOf("boards/kits/pantry-node.yaml", "grain-bin-kg"), io);
    expect(calibration).toEqual({ tareCounts: 184_220, spanCounts: 1_244_670, spanKg: 25 });
  });

  it("takes more points for a load cell that is not straight, in rising order, and the board accepts them", async () => {
    // Empty, 50 kg, then 25 kg in between: three sacks, points sorted by counts.
    const io = scripted(["", "0", "", "50", "y", "", "25", "n"], [184_220, 2_305_120, 1_250_000]);
    const calibration = await walkCalibration(sensorOf("boards/kits/pantry-node.yaml", "grain-bin-kg"), io);
    expect(calibration).toEqual({ counts: [184_220, 1_250_000, 2_305_120], values: [0, 25, 50] });
    const dir = tempDir();
    const file = join(dir.path, "pantry-node.yaml");
    copyFileSync("boards/kits/pantry-node.yaml", file);
    writeCalibration(file, "grain-bin-kg", calibration);
    expect((loadBoardFile(file).board.sensors.find((s) => s.id === "grain-bin-kg") as { calibration: unknown }).calibration).toEqual(calibration);
    dir.remove();
  });

  it("refuses points whose values do not all rise or all fall with the reading", async () => {
    const io = scripted(["", "0", "", "50", "y", "", "60"], [100, 800, 500]);
    await expect(walkCalibration(sensorOf("boards/power.yaml", "battery-voltage"), io)).rejects.toThrow(/do not all rise \(or all fall\)/);
  });

  it("refuses two points that read the same", async () => {
    const io = scripted(["", ""], [400, 405]);
    await expect(walkCalibration(sensorOf("boards/kits/greenhouse-node.yaml", "gh-bed1-moisture"), io)).rejects.toThrow(/almost the same \(400 and 405\)/);
  });

  it("rewrites only the calibration in the board file: comments, order and other sensors stay", () => {
    const dir = tempDir();
    const file = join(dir.path, "power.yaml");
    copyFileSync("boards/power.yaml", file);
    const before = readFileSync(file, "utf8");
    writeCalibration(file, "battery-voltage", { counts: [12, 998], values: [0, 58.5] });
    const after = readFileSync(file, "utf8");
    const changed = after.split("\n").filter((line, i) => line !== before.split("\n")[i]);
    expect(changed).toEqual(["    calibration: { counts: [12, 998], values: [0, 58.5] }"]);
    expect(after.split("\n").length).toBe(before.split("\n").length);
    for (const comment of before.split("\n").filter((l) => l.includes("#"))) expect(after).toContain(comment);
    expect(sensorOf(file, "battery-voltage")).toMatchObject({ calibration: { counts: [12, 998], values: [0, 58.5] } });
    dir.remove();
  });

  it("keeps a block-style calibration in block style, with its comment", () => {
    const dir = tempDir();
    const file = join(dir.path, "pantry.yaml");
    const text = readFileSync("boards/kits/pantry-node.yaml", "utf8").replace(
      "    calibration: { tareCounts: 184220, spanCounts: 2305120, spanKg: 50 }   # npm run calibrate\n",
      "    calibration:               # taken 2026-11-01 with a 50 kg sack\n      tareCounts: 184220\n      spanCounts: 2305120\n      spanKg: 50\n",
    );
    writeFileSync(file, text);
    writeCalibration(file, "grain-bin-kg", { tareCounts: 190_000, spanCounts: 1_250_000, spanKg: 25 });
    const after = readFileSync(file, "utf8");
    expect(after).toBe(text.replace("tareCounts: 184220\n      spanCounts: 2305120\n      spanKg: 50", "tareCounts: 190000\n      spanCounts: 1250000\n      spanKg: 25"));
    dir.remove();
  });

  it("leaves the board file unchanged when the result would not be a valid board", () => {
    const dir = tempDir();
    const file = join(dir.path, "power.yaml");
    copyFileSync("boards/power.yaml", file);
    const before = readFileSync(file, "utf8");
    expect(() => writeCalibration(file, "battery-voltage", { counts: [12, 12], values: [0, 58] })).toThrow(/power.yaml is unchanged.*the counts must differ/s);
    expect(readFileSync(file, "utf8")).toBe(before);
    dir.remove();
  });

  it("the CLI refuses an unknown sensor and a sensor calibrated from its datasheet, naming file and field", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "edge/calibrate/main.ts", ...args], { encoding: "utf8", timeout: 30_000 });
    const unknown = run("--board", "boards/power.yaml", "--sensor", "battery-temp");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('boards/power.yaml: sensors: no sensor "battery-temp" (this board has battery-voltage, battery-current, battery-soc, solar-power)');
    const datasheet = run("--board", "boards/kits/greenhouse-node.yaml", "--sensor", "gh-air-temp");
    expect(datasheet.status).toBe(1);
    expect(datasheet.stderr).toContain("boards/kits/greenhouse-node.yaml: sensors[0].driver: bme280 is calibrated from its datasheet");
    const usage = run("--board", "boards/power.yaml");
    expect(usage.status).toBe(2);
  });
});
