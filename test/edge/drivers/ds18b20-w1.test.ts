// A DS18B20 on the Pi's own 1-Wire bus (no Arduino), read through the kernel's w1_therm files: the
// file format the kernel writes, a probe that is missing, the kernel's CRC verdict and the same
// checks as over Firmata. The sysfs tree is a folder the test writes (CS_W1_DEVICES).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { w1SlaveCelsius } from "../../../edge/drivers/ds18b20.ts";
import { w1Channel } from "../../../edge/drivers/ds18b20-w1.ts";
import { loadBoardFile } from "../../../protocol/board/load.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { waitFor } from "../../helpers/wait-for.ts";

// The kernel's w1_slave for 23.125 °C (0x0172), CRC 0x57 as the kernel prints it.
const GOOD = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";

describe("DS18B20 on the Pi's 1-Wire bus", () => {
  let dir: ReturnType<typeof tempDir>;
  const stops: Array<() => void> = [];
  beforeEach(() => {
    dir = tempDir("cs-w1-");
    process.env.CS_W1_DEVICES = dir.path;
  });
  afterEach(() => {
    for (const s of stops.splice(0)) s();
    delete process.env.CS_W1_DEVICES;
    dir.remove();
  });

  it("reads the kernel's w1_slave file through the scratchpad checks", () => {
    expect(w1SlaveCelsius(GOOD)).toBe(23.125);
    expect(() => w1SlaveCelsius(GOOD.replace("YES", "NO"))).toThrow(/kernel says NO/);
    expect(() => w1SlaveCelsius("00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n")).toThrow(/all zeros/);
    expect(() => w1SlaveCelsius("")).toThrow(/not what the kernel's w1_therm writes/);
  });

  it("two probes on one GPIO, one of them missing: each sensor says what it has", async () => {
    const file = join(dir.path, "board.yaml");
    writeFileSync(file, `id: cold-store
domain: pantry
name: Cold store
io: { kind: instruments }
sensors:
  - { id: cold-store-top, driver: ds18b20-w1, w1Id: 28-0316a2795fff, range: [-10, 30] }
  - { id: cold-store-floor, driver: ds18b20-w1, w1Id: 28-0316a2790aaa }
`);
    const { board } = loadBoardFile(file);
    mkdirSync(join(dir.path, "28-0316a2795fff"));
    writeFileSync(join(dir.path, "28-0316a2795fff", "w1_slave"), GOOD);
    const [top, floor] = board.sensors.map((sensor) => w1Channel({ sensor: sensor as never, pollMs: 20, now: Date.now }));
    stops.push(top.stop, floor.stop);
    const good = await waitFor("the top probe's reading", () => {
      const s = top.read(Date.now(), new Map());
      return s.quality === "good" ? s : undefined;
    });
    expect(good).toMatchObject({ sensor: "cold-store-top", value: 23.125, unit: "°C" });
    const missing = await waitFor("the floor probe's complaint", () => {
      const s = floor.read(Date.now(), new Map());
      return s.warning?.includes("not on the Pi's 1-Wire bus") ? s : undefined;
    });
    expect(missing).toMatchObject({ quality: "invalid", value: null });
  });

  it("a board file with a malformed w1Id is refused naming the field", () => {
    const file = join(dir.path, "board.yaml");
    writeFileSync(file, "id: x\ndomain: pantry\nname: X\nio: { kind: instruments }\nsensors:\n  - { id: a, driver: ds18b20-w1, w1Id: 0316a2795fff }\n");
    expect(() => loadBoardFile(file)).toThrow(/sensors\[0\]\.w1Id: a DS18B20 as the kernel names it/);
  });
});
