// Hardware in the loop, I2C: the greenhouse kit's BME280 and BH1750 as register models on the bus
// of the emulated ATmega328P, read through StandardFirmata's real I2C code (Wire on the emulated
// TWI). A chip that stops acknowledging and one that browns out but still answers must give
// invalid readings naming the cause, then good ones again once the agent has set them up anew.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { EdgeAgent } from "../../edge/agent.ts";
import { agentOnUno } from "../helpers/agent-on-uno.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { bh1750OnUno, bme280OnUno } from "../helpers/uno-chips.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { journalledSamples } from "../helpers/journalled-samples.ts";
import { i2cChannel } from "../../edge/sensors/i2c-channel.ts";
import type { I2cIo } from "../../edge/io/io-plugin.ts";
import type { I2cPlan } from "../../edge/drivers/i2c-driver.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";

const kit = loadBoardFile("boards/kits/greenhouse-node.yaml").board;
// The I2C sensors and one soil probe; StandardFirmata has no OneWire (the kit runs ConfigurableFirmata).
const board = { ...kit, sensors: kit.sensors.filter((s) => s.driver === "bme280" || s.driver === "bh1750" || s.id === "gh-bed1-moisture"), actuators: [], safety: [] };
// Four rounds a second would leave a loaded CI machine's emulated firmware too little time to answer.
const ROUND_MS = 400;

describe("the greenhouse kit's I2C chips on StandardFirmata (emulated ATmega328P)", () => {
  const dir = tempDir("cs-hil-i2c-");
  let uno: UnoEmulator;
  let agent: EdgeAgent;
  let climate: ReturnType<typeof bme280OnUno>;
  let light: ReturnType<typeof bh1750OnUno>;
  let journal: ReturnType<typeof journalledSamples>;
  beforeAll(async () => {
    uno = await UnoEmulator.start();
    climate = bme280OnUno(uno, 0x76, { adcP: 415148, adcT: 519888, adcH: 30000 });
    light = bh1750OnUno(uno, 0x23, 0x8390); // the datasheet's example: 28,067 lx
    uno.adc(0, 2000);
    agent = agentOnUno(uno, board, { dataDir: join(dir.path, "edge"), sampleIntervalMs: ROUND_MS });
    journal = journalledSamples(agent);
    await agent.start();
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await uno?.stop();
    dir.remove();
  });

  const latest = (sensor: string) => journal.latest(sensor);
  const since = (sensor: string, from: number) => journal.since(sensor, from);

  it("sets the chips up through the firmware and reads Bosch's and ROHM's worked examples", async () => {
    await waitFor("good climate and light readings", () => ["gh-air-temp", "gh-air-pressure", "gh-air-humidity", "gh-light"].every((s) => latest(s)?.quality === "good"), { timeoutMs: 20_000 });
    expect(latest("gh-air-temp")!.value).toBeCloseTo(25.08, 2);
    expect(latest("gh-air-pressure")!.value).toBeCloseTo(1006.53, 1);
    expect(latest("gh-light")!.value).toBeCloseTo(28066.67, 1);
    // ctrl_hum, config and ctrl_meas as the driver writes them, seen on the emulated bus.
    expect(uno.i2cWrites.filter((w) => w.address === 0x76).map((w) => [w.register, ...w.bytes])).toEqual(expect.arrayContaining([[0xf2, 0x01], [0xf5, 0xa0], [0xf4, 0x27]]));
    climate.measure({ adcP: 415148, adcT: 530000, adcH: 30000 });
    await waitFor("the warmer air", () => latest("gh-air-temp")!.value! > 27, { timeoutMs: 5_000 });
  });

  it("a chip unplugged gives invalid readings naming the cause within two rounds, never the last bytes; plugged back, good again", async () => {
    uno.i2cUnplug(0x76);
    const from = journal.samples.length;
    // StandardFirmata answers with "I2C: Too few bytes received" and the previous reply's bytes.
    await waitFor("the air temperature invalid", () => latest("gh-air-temp")?.quality === "invalid", { timeoutMs: 5_000 });
    const temps = since("gh-air-temp", from);
    expect(temps.findIndex((s) => s.quality === "invalid"), "rounds before the reading went invalid").toBeLessThanOrEqual(2);
    expect(latest("gh-air-temp")!.warning).toMatch(/0x76 \(bme280\).*(empty reply|does not answer)/);
    expect(latest("gh-air-temp")!.value).toBeNull();
    expect(latest("gh-light")!.quality).toBe("good"); // the other chip on the bus is unaffected
    const writesBefore = uno.i2cWrites.length;
    uno.i2cPlug(0x76);
    await waitFor("the air temperature good again", () => latest("gh-air-temp")?.quality === "good", { timeoutMs: 10_000 });
    expect(uno.i2cWrites.slice(writesBefore).some((w) => w.address === 0x76 && w.register === 0xf4), "set up again after it came back").toBe(true);
  });

  it("a chip that browns out but still answers is seen to have lost its setup, and is set up again", async () => {
    const from = journal.samples.length;
    const writesBefore = uno.i2cWrites.length;
    const before = latest("gh-air-temp")!.value!;
    climate.brownOut();
    await waitFor("set up again (ctrl_meas written)", () => climate.measuring, { timeoutMs: 10_000 });
    expect(uno.i2cWrites.slice(writesBefore).some((w) => w.address === 0x76 && w.register === 0xf4 && w.bytes[0] === 0x27)).toBe(true);
    await waitFor("the air temperature good again", () => latest("gh-air-temp")?.quality === "good" && journal.samples.length > from + 3, { timeoutMs: 10_000 });
    const between = since("gh-air-temp", from);
    // Whatever was read while the chip slept is invalid and says why; nothing of it is a reading. On
    // a loaded machine the emulated firmware can answer later than the stale time (three polls),
    // and that reading is, truthfully, "does not answer".
    for (const s of between.filter((r) => r.quality !== "good")) expect(s.warning).toMatch(/left normal mode|not measured|0x76 \(bme280\) does not answer/);
    expect(between.some((r) => r.quality === "invalid"), "the sleeping chip was noticed").toBe(true);
    // The chip measures the same air before and after: no reset value read as a temperature.
    for (const r of between.filter((x) => x.quality === "good")) expect(r.value).toBeCloseTo(before, 6);
  });

  it("a light sensor that browns out goes on reading the light: its reset value is never published as darkness", async () => {
    light.set(1200); // 1,000 lx: an overcast day
    await waitFor("the overcast light", () => Math.abs((latest("gh-light")?.value ?? 0) - 1000) < 1, { timeoutMs: 5_000 });
    const from = journal.samples.length;
    light.brownOut(); // power-down, data register 0: nothing tells the agent the chip forgot
    // Several rounds, the last of them good again: on a loaded machine the setup anew can take a
    // few rounds more (the firmware's answers come late), never a reading of 0 lx meanwhile.
    await waitFor("several rounds after the brown-out, the light read again", () => {
      const rounds = since("gh-light", from);
      return rounds.length >= 6 && rounds.at(-1)!.quality === "good";
    }, { timeoutMs: 15_000 });
    const after = since("gh-light", from);
    expect(after.filter((r) => r.quality === "good" && r.value === 0), "0 lx read from a chip in power-down").toEqual([]);
    expect(after.at(-1)).toMatchObject({ quality: "good" });
    expect(after.at(-1)!.value).toBeCloseTo(1000, 6);
    // As for the BME280 above: a reply later than the stale time on a loaded machine is "does not answer".
    for (const r of after.filter((x) => x.quality !== "good")) expect(r.warning).toMatch(/0x23: read 0 lx straight after 1000 lx: measuring again|0x23 \(bh1750\) does not answer/);
    // Real darkness is believed once a second measurement agrees.
    light.set(0);
    await waitFor("0 lx, believed", () => latest("gh-light")?.quality === "good" && latest("gh-light")?.value === 0, { timeoutMs: 5_000 });
  });
});

describe("a short reply from the real firmware", () => {
  it("a read longer than the firmware's Wire buffer (32 bytes) comes back short: invalid, naming the cause, never padded", async () => {
    const uno = await UnoEmulator.start();
    const io = openFirmataIo({ path: uno.path, baudRate: 57600 }) as unknown as I2cIo & { isReady: boolean; transport: { close(cb: () => void): void } };
    try {
      uno.i2cRom(0x50, 0, Array.from({ length: 64 }, (_, k) => k + 1)); // a chip with 64 registers
      await waitFor("the board ready", () => io.isReady, { timeoutMs: 15_000 });
      const sensor = { id: "wide-block", driver: "wide-block", address: 0x50, unit: "V" } as unknown as SensorDefinition & { address: number };
      const plan = (bytes: number): I2cPlan<unknown> => ({ setup: [], sample: [{ register: 0, bytes }], convert: (b) => b.reduce((a, x) => a + x, 0) });
      const fits = i2cChannel({ io, sensor, plan: plan(32), config: undefined, pollMs: 100, now: Date.now });
      const tooLong = i2cChannel({ io, sensor: { ...sensor, id: "too-long" }, plan: plan(40), config: undefined, pollMs: 100, now: Date.now });
      try {
        await waitFor("the 32-byte block read", () => fits.read(Date.now(), new Map()).quality === "good", { timeoutMs: 5_000 });
        expect(fits.read(Date.now(), new Map()).value).toBe((32 * 33) / 2);
        const short = await waitFor("the 40-byte block refused", () => {
          const s = tooLong.read(Date.now(), new Map());
          return s.warning ? s : undefined;
        }, { timeoutMs: 5_000 });
        expect(short).toMatchObject({ quality: "invalid", value: null });
        expect(short.warning).toMatch(/I2C device 0x50 \(wide-block\) (gave an empty reply|answered \d+ of 40 bytes)/);
      } finally {
        fits.stop();
        tooLong.stop();
      }
    } finally {
      await new Promise<void>((r) => io.transport.close(() => r()));
      await uno.stop();
    }
  }, 40_000);
});
