import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { listBoardFiles, loadBoardDir, loadBoardFile, loadBoardFiles } from "../../../protocol/board/load.ts";
import { units } from "../../../protocol/units.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { problemsOf as problemsWith } from "../../helpers/problems-of.ts";

const problemsOf = (fn: () => unknown) => problemsWith("CS_ERR_BOARD_INVALID", fn);

describe("board files", () => {
  it("loads every file in boards/ and covers water, power, pantry and greenhouse", () => {
    const files = listBoardFiles("boards");
    expect(files.length).toBeGreaterThanOrEqual(4);
    const boards = loadBoardDir("boards");
    expect(boards.map((b) => b.board.domain).sort()).toEqual(["greenhouse", "pantry", "power", "water"]);
    for (const { board } of boards) {
      for (const s of board.sensors) expect(units).toContain(s.unit);
    }
  });

  it("describes the reference village: tanks, cistern, flow, pump, battery, solar, bins, cold store, beds, light", () => {
    const ids = loadBoardDir("boards").flatMap((b) => b.board.sensors.map((s) => s.id));
    for (const id of [
      "tank-north-level", "tank-south-level", "cistern-level", "main-flow", "pump-running",
      "battery-voltage", "battery-current", "battery-soc", "solar-power",
      "grain-bin", "legumes-bin", "oil-store", "cold-store-temp",
      "air-temp", "air-humidity", "bed-1-moisture", "light",
    ]) expect(ids).toContain(id);
  });

  it("reports every problem of a wrong board file at once, each naming file and field", () => {
    const dir = tempDir();
    const file = join(dir.path, "bad.yaml");
    writeFileSync(
      file,
      `id: tank-west
domain: water
name: West tank
io: { kind: simulated }
sensors:
  - { id: level, driver: analog-linear, pin: A0, unit: L, calibration: { counts: [100, 900], values: [0, 5000] }, sim: water.tankNorth.litres }
  - { id: level2, driver: analog-linear, pin: A0, unit: L, calibration: { counts: [100, 900], values: [0, 5000] }, sim: water.tankNorth.litres }
  - { id: level3, driver: ultrasonic-magic, pin: 3 }
  - { id: level4, driver: analog-linear, pin: D9, unit: L, calibration: { counts: [100, 900], values: [0, 5000] } }
  - { id: level5, driver: analog-linear, pin: A5, unit: furlongs, calibration: { counts: [100, 900], values: [0, 5000] } }
`,
    );
    const problems = problemsOf(() => loadBoardFile(file));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/bad\.yaml: sensors\[2\]\.driver: unknown driver "ultrasonic-magic"/),
        expect.stringMatching(/bad\.yaml: sensors\[3\]\.pin: an analog pin/),
        expect.stringMatching(/bad\.yaml: sensors\[4\]\.unit: /),
      ]),
    );
    dir.remove();
  });

  it("finds cross-sensor problems in the second pass: pin used twice, missing source, unknown model signal", () => {
    const dir = tempDir();
    const file = join(dir.path, "pins.yaml");
    writeFileSync(
      file,
      `id: power-west
domain: power
name: West bank
io: { kind: simulated }
sensors:
  - { id: volts, driver: analog-linear, pin: A0, unit: V, calibration: { counts: [0, 1023], values: [0, 60] }, sim: power.battery.volts }
  - { id: amps, driver: analog-linear, pin: A0, unit: A, calibration: { counts: [512, 921], values: [0, 100] }, sim: power.battery.amperes }
  - { id: soc, driver: coulomb-soc, source: shunt, capacityAh: 200 }
  - { id: volts, driver: digital-input, pin: 5, sim: water.pump.running }
`,
    );
    const problems = problemsOf(() => loadBoardFile(file));
    expect(problems).toEqual([
      `${file}: sensors[1].pin: A0 is already used by sensors[0] (volts)`,
      `${file}: sensors[1].sim: unknown model signal "power.battery.amperes"`,
      `${file}: sensors[2].source: no sensor "shunt" on this board`,
      `${file}: sensors[3].id: "volts" is already used by sensors[0]`,
    ]);
    dir.remove();
  });

  it("asks a 4-20 mA loop for a span or measured points, one of them, and points that rise", () => {
    const dir = tempDir();
    const file = join(dir.path, "loop.yaml");
    const loop = (fields: string) => `id: loop-board
domain: water
name: Loop
io: { kind: firmata, path: /dev/ttyACM0 }
sensors:
  - { id: depth, driver: ads1115-current-loop, channel: 0, shuntOhms: 150, unit: L, ${fields} }
`;
    writeFileSync(file, loop("calibration: { milliamps: [4, 10.8, 20], values: [0, 2000, 5000] }"));
    expect(loadBoardFile(file).board.sensors[0]).toMatchObject({ calibration: { milliamps: [4, 10.8, 20] } });
    writeFileSync(file, loop("span: [0, 5000], calibration: { milliamps: [4, 20], values: [0, 5000] }"));
    expect(problemsOf(() => loadBoardFile(file))).toEqual([`${file}: sensors[0].span: give either span (4 and 20 mA) or calibration points, one of them`]);
    writeFileSync(file, loop("calibration: { milliamps: [4, 12, 10], values: [0, 2000, 5000] }"));
    expect(problemsOf(() => loadBoardFile(file))).toEqual([`${file}: sensors[0].calibration.milliamps: the milliamps must differ (and rise, with more than two points)`]);
    dir.remove();
  });

  it("lets DS18B20 probes share a OneWire pin only with a ROM code each, no two the same", () => {
    const dir = tempDir();
    const file = join(dir.path, "probes.yaml");
    const probes = (roms: Array<string | undefined>) => `id: cold-store
domain: pantry
name: Cold store
io: { kind: firmata, path: /dev/ttyACM0 }
sensors:
${roms.map((rom, k) => `  - { id: probe-${k}, driver: ds18b20, pin: 5${rom ? `, rom: "${rom}"` : ""} }`).join("\n")}
  - { id: door, driver: digital-input, pin: 5 }
`;
    writeFileSync(file, probes(["28616412345678aa", "28616412345678bb", "28616412345678cc"]));
    expect(problemsOf(() => loadBoardFile(file))).toEqual([`${file}: sensors[3].pin: 5 is already used by sensors[0] (probe-0)`]);
    writeFileSync(file, probes([undefined, "28616412345678bb", "28616412345678BB"]));
    expect(problemsOf(() => loadBoardFile(file))).toEqual([
      `${file}: sensors[0].rom: probe-0 shares OneWire pin 5 with another DS18B20: give each probe its ROM code, 16 hex digits (a wrong one is reported with the codes found on the bus)`,
      `${file}: sensors[2].rom: 28616412345678BB is already the ROM code of sensors[1] (probe-1)`,
      `${file}: sensors[3].pin: 5 is already used by sensors[0] (probe-0)`,
    ]);
    dir.remove();
  });

  it("refuses two files with the same board id and a YAML syntax error, in one report", () => {
    const dir = tempDir();
    const a = join(dir.path, "a.yaml");
    const b = join(dir.path, "b.yaml");
    const c = join(dir.path, "c.yaml");
    const board = `id: same
domain: water
name: Same
io: { kind: firmata, path: /dev/ttyACM0 }
sensors:
  - { id: SENSOR_ID, driver: digital-input, pin: 4 }
`;
    writeFileSync(a, board.replace("SENSOR_ID", "float-a"));
    writeFileSync(b, board.replace("SENSOR_ID", "float-b"));
    writeFileSync(c, "id: [unclosed\n");
    const problems = problemsOf(() => loadBoardFiles([a, b, c]));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/c\.yaml: YAML: /),
        `${b}: id: "same" is already used by ${a}`,
      ]),
    );
    dir.remove();
  });

  it("names a boards directory that cannot be read instead of throwing the file system's error", () => {
    const dir = tempDir();
    const missing = join(dir.path, "bords");
    expect(problemsOf(() => loadBoardDir(missing))).toEqual([`${missing}: cannot read the boards directory: ENOENT: no such file or directory, scandir '${missing}'`]);
    dir.remove();
  });
});
