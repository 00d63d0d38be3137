// The real-hardware kits in boards/kits/ and the board-file rules the new drivers bring.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBoardDir, loadBoardFile } from "../../../protocol/board/load.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { problemsOf as problemsWith } from "../../helpers/problems-of.ts";

const problemsOf = (fn: () => unknown) => problemsWith("CS_ERR_BOARD_INVALID", fn);

function boardFile(yaml: string): string {
  const dir = tempDir();
  const file = join(dir.path, "kit.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("kit boards", () => {
  it("loads a tank, battery, pantry and greenhouse kit, with units from each driver", () => {
    const kits = Object.fromEntries(loadBoardDir("boards/kits").map((k) => [k.board.id, k.board]));
    expect(Object.keys(kits).sort()).toEqual(["battery-node", "greenhouse-node", "pantry-node", "tank-node"]);
    const unitOf = (board: string, id: string) => kits[board].sensors.find((s) => s.id === id)?.unit;
    expect(unitOf("tank-node", "tank-east-level")).toBe("L");
    expect(unitOf("tank-node", "cistern-east-level")).toBe("L");
    expect(unitOf("battery-node", "bank-soc")).toBe("%");
    expect(unitOf("battery-node", "kitchen-energy")).toBe("Wh");
    expect(unitOf("pantry-node", "grain-bin-kg")).toBe("kg");
    expect(unitOf("greenhouse-node", "gh-air-humidity")).toBe("%RH");
    expect(unitOf("greenhouse-node", "gh-air-pressure")).toBe("hPa");
    expect(kits["battery-node"].io).toEqual({ kind: "instruments" });
  });
});

describe("board rules for bus drivers", () => {
  it("names an unknown driver with the known ones, and a field a driver does not have", () => {
    const file = boardFile(`id: x
domain: power
name: X
io: { kind: firmata, path: /dev/ttyUSB0 }
sensors:
  - { id: a, driver: ina3221, address: 0x40 }
  - { id: b, driver: ina226, address: 0x40, quantity: watts, shuntOhms: 0.002 }
  - { id: c, driver: bme280, address: 0x90, quantity: temperature }
  - { id: d, driver: vedirect, port: COM3, field: V }
  - { id: e, driver: vedirect, port: /dev/ttyUSB1, field: TTG }
`);
    const problems = problemsOf(() => loadBoardFile(file));
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${file}: sensors\\[0\\]\\.driver: unknown driver "ina3221" \\(known: analog-linear, .*bh1750, vedirect, sdm120, serial-scale\\)`)),
      expect.stringMatching(new RegExp(`^${file}: sensors\\[1\\]\\.quantity: `)),
      expect.stringMatching(new RegExp(`^${file}: sensors\\[2\\]\\.address: .*0x03 to 0x77`)),
      expect.stringMatching(new RegExp(`^${file}: sensors\\[3\\]\\.port: .*/dev/ttyUSB0`)),
      `${file}: sensors[4].field: TTG (time to go) is not read: its infinite (-1) has no honest number; the gateway's power.daysLeft gives days left, and says when there is no end`,
    ]);
  });

  it("finds shared addresses and ports, wrong units, bad geometry and pins on a board without pins", () => {
    const file = boardFile(`id: x
domain: water
name: X
io: { kind: instruments }
sensors:
  - { id: a, driver: ina226, address: 0x40, quantity: voltage, shuntOhms: 0.002 }
  - { id: b, driver: ina219, address: 0x40, quantity: current, shuntOhms: 0.1 }
  - { id: c, driver: vedirect, port: /dev/ttyUSB0, field: SOC, unit: V }
  - { id: d, driver: sdm120, port: /dev/ttyUSB0, quantity: power }
  - id: e
    driver: ads1115-current-loop
    channel: 1
    shuntOhms: 150
    span: [0, 3]
    unit: L
    geometry: { shape: strapping-table, points: [[0, 0], [1, 500], [0.8, 400]] }
  - { id: f, driver: soil-moisture, pin: A0, calibration: { dryCounts: 500, wetCounts: 250 } }
`);
    const problems = problemsOf(() => loadBoardFile(file));
    expect(problems).toEqual(expect.arrayContaining([
      `${file}: sensors[0].driver: ina226 needs pins, and this board's io is "instruments" (serial ports only)`,
      `${file}: sensors[1].address: 0x40 is already used by sensors[0] (a, ina226)`,
      `${file}: sensors[2].unit: vedirect measuring SOC gives %, not V`,
      `${file}: sensors[3].port: /dev/ttyUSB0 is already used by sensors[2] (c, vedirect)`,
      `${file}: sensors[4].geometry.points[2]: heights must rise (0.8 after 1)`,
      `${file}: sensors[5].driver: soil-moisture needs pins, and this board's io is "instruments" (serial ports only)`,
    ]));
  });

  it("refuses outputs a Firmata board's start-up would switch out of their safe state, unless a hardware guard is declared", () => {
    const file = boardFile(`id: x
domain: water
name: X
io: { kind: firmata, path: /dev/ttyACM0 }
sensors:
  - { id: level, driver: analog-linear, pin: A0, unit: L, calibration: { counts: [0, 1023], values: [0, 1000] } }
actuators:
  - { id: pump, kind: relay, pin: 8, activeLow: true, safeState: off, maxOnTime: 1h }
  - { id: main-valve, kind: valve, pin: 9, safeState: on, maxOnTime: 6h }
  - { id: fridge, kind: relay, pin: 10, activeLow: true, contact: NC, safeState: off, maxOnTime: 1h }
  - { id: fan, kind: pwm, pin: 11, safeState: 30, maxOnTime: 1h }
  - { id: heater, kind: relay, pin: 12, safeState: off, maxOnTime: 1h }
  - { id: guarded, kind: relay, pin: 13, activeLow: true, safeState: off, maxOnTime: 1h, bootGuard: "relay board's JD-VCC switched on after the agent starts" }
`);
    const problems = problemsOf(() => loadBoardFile(file));
    expect(problems.map((p) => p.replace(/ while StandardFirmata.*/, ""))).toEqual([
      `${file}: actuators[0].bootGuard: pump is switched ON instead of its safe off`,
      `${file}: actuators[1].bootGuard: main-valve is switched OFF instead of its safe on`,
      `${file}: actuators[3].bootGuard: fan is at 0 % instead of its safe 30 %`,
    ]);
    expect(problems[0]).toContain("while StandardFirmata drives pin 8 LOW at start-up");
    // The same wiring on a simulated board has no firmware start-up to fear.
    const simulated = boardFile(readFileSync(file, "utf8").replace("{ kind: firmata, path: /dev/ttyACM0 }", "{ kind: simulated }").replace("values: [0, 1000] } }", "values: [0, 1000] }, sim: water.tankNorth.litres }"));
    expect(() => loadBoardFile(simulated)).not.toThrow();
  });

  it("refuses two inputs of one ADS1115: the agent reads one input per chip", () => {
    const file = boardFile(`id: x
domain: water
name: X
io: { kind: firmata, path: /dev/ttyACM0 }
sensors:
  - { id: a, driver: ads1115-current-loop, address: 0x48, channel: 0, shuntOhms: 150, span: [0, 300], unit: "%" }
  - { id: b, driver: ads1115-current-loop, address: 0x48, channel: 1, shuntOhms: 150, span: [0, 300], unit: "%" }
  - { id: c, driver: ads1115-current-loop, address: 0x49, channel: 1, shuntOhms: 150, span: [0, 300], unit: "%" }
`);
    expect(problemsOf(() => loadBoardFile(file))).toEqual([
      `${file}: sensors[1].channel: AIN1 on the ADS1115 at 0x48 would read AIN0 of sensors[0] (a): the agent reads one input per chip; give the second loop a chip of its own (ADDR pin: 0x48-0x4b)`,
    ]);
  });

  it("refuses hardware drivers on a simulated board and a malformed filter", () => {
    const file = boardFile(`id: x
domain: greenhouse
name: X
io: { kind: simulated }
sensors:
  - { id: a, driver: bh1750, sim: greenhouse.light.lux }
  - { id: b, driver: analog-linear, pin: A0, unit: "°C", calibration: { counts: [0, 1023], values: [0, 50] }, sim: greenhouse.air.celsius, filters: [{ median: 1 }, { smooth: 3 }] }
`);
    const problems = problemsOf(() => loadBoardFile(file));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/sensors\[1\]\.filters\[0\]/),
      expect.stringMatching(/sensors\[1\]\.filters\[1\]: a filter: \{ median: N \}/),
    ]));
  });

  it("refuses a pin the driver cannot use, naming file and field", () => {
    const file = boardFile(`id: x
domain: water
name: X
io: { kind: firmata, path: /dev/ttyUSB0 }
sensors:
  - { id: a, driver: pulse-flow, pin: A0 }
  - { id: b, driver: soil-moisture, pin: 5, calibration: { dryCounts: 500, wetCounts: 250 } }
  - { id: c, driver: ultrasonic-level, pin: 1, mountHeightM: 2, geometry: { shape: box, lengthM: 1, widthM: 1, heightM: 1 } }
`);
    expect(problemsOf(() => loadBoardFile(file))).toEqual([
      `${file}: sensors[0].pin: a digital pin number such as 7; A0-A15 are for analog drivers`,
      `${file}: sensors[1].pin: an analog pin, A0 to A15`,
      `${file}: sensors[2].pin: pins 0 and 1 carry the serial link`,
    ]);
  });
});
