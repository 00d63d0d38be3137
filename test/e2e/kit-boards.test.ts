// The real-hardware kits in boards/kits/ run end to end with fakes only where the hardware would
// be: I2C chips, a OneWire probe and an ultrasonic echo behind the simulated IO plugin, and serial
// instruments (two VE.Direct devices, a Modbus meter, a scale) on pseudo-terminals read through
// serialport's real binding. Readings reach the gateway's store in real units; a chip that stops
// answering turns its readings invalid with a warning that reaches /api/health.
import { afterAll, describe, expect, it } from "vitest";
import { loadBoardDir } from "../../protocol/board/load.ts";
import type { BoardDefinition } from "../../protocol/board/schema.ts";
import { EdgeAgent } from "../../edge/agent.ts";
import { SimulatedIo } from "../../edge/io/simulated-io.ts";
import { registerChip } from "../../edge/io/simulated-i2c.ts";
import { crc8Maxim } from "../../edge/drivers/ds18b20.ts";
import { veDirectBlock } from "../../edge/drivers/vedirect.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { getJson } from "../helpers/get-json.ts";
import { openPty, type Pty } from "../helpers/pty.ts";
import { nau7802Chip } from "../helpers/nau7802-chip.ts";
import { floatRegisters, serveModbusMeter } from "../helpers/modbus-meter.ts";

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];

/** A BME280 holding Bosch's worked-example trimming and raw values (25.08 °C, 1006.53 hPa). */
function bme280Chip() {
  const regs: Record<number, number> = {};
  const a = [27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000].flatMap(le16);
  [...a, 0x00, 75].forEach((b, k) => (regs[0x88 + k] = b));
  regs[0xd0] = 0x60; // chip id
  [...le16(362), 0, 313 >> 4, ((50 & 0x0f) << 4) | (313 & 0x0f), 50 >> 4, 30].forEach((b, k) => (regs[0xe1 + k] = b));
  const [adcP, adcT, adcH] = [415148, 519888, 30000];
  [adcP >> 12, (adcP >> 4) & 0xff, (adcP & 0x0f) << 4, adcT >> 12, (adcT >> 4) & 0xff, (adcT & 0x0f) << 4, adcH >> 8, adcH & 0xff]
    .forEach((b, k) => (regs[0xf7 + k] = b));
  return registerChip(regs);
}

function scratchpad(celsius: number): number[] {
  const raw = Math.round(celsius * 16) & 0xffff;
  const bytes = [raw & 0xff, raw >> 8, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  return [...bytes, crc8Maxim(bytes)];
}

describe("kit boards end to end", () => {
  const kits = loadBoardDir("boards/kits");
  const kit = (id: string): BoardDefinition => kits.find((k) => k.board.id === id)!.board;
  const dir = tempDir();
  const agents: EdgeAgent[] = [];
  const ptys: Pty[] = [];
  const timers: NodeJS.Timeout[] = [];
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  afterAll(async () => {
    timers.forEach(clearInterval);
    for (const a of agents) await a.stop();
    for (const p of ptys) await p.close();
    await gw?.stop();
    dir.remove();
  });

  const latestOf = async (sensors: string[]) =>
    waitFor(`stored: ${sensors.join(", ")}`, async () => {
      const rows = Object.fromEntries((await gw.gateway.store.latest()).map((r) => [r.sensor, r]));
      return sensors.every((s) => rows[s]?.quality === "good") ? rows : undefined;
    }, { timeoutMs: 15_000 });

  function startAgent(board: BoardDefinition, io?: SimulatedIo) {
    const agent = new EdgeAgent({
      board, io, gatewayUrl: gw.gateway.broker.url, dataDir: dir.path, log: testLog,
      sampleIntervalMs: 100, statusIntervalMs: 200, instruments: { reopenMs: 200, pollMs: 200 },
    });
    agents.push(agent);
    return agent.start();
  }

  it("greenhouse node: BME280 and BH1750 on I2C, soil probes, a DS18B20; a silent chip is reported", async () => {
    gw = await startTestGateway({}, [...loadBoardDir("boards"), ...kits]); // the village the kits join
    let lightAnswers = true;
    const light = registerChip({ 0: 0x83, 1: 0x90 }, { answering: () => lightAnswers });
    const io = new SimulatedIo({
      readAnalog: (c) => [412, 300, 571][c] ?? 0,
      readDigital: () => 0,
      samplingIntervalMs: 20,
      i2c: new Map([[0x76, bme280Chip()], [0x23, light]]),
      oneWire: new Map([[6, [{ rom: [0x28, 0xff, 0x4c, 0x61, 0x90, 0x16, 0x04, 0x2b], scratchpad: () => scratchpad(14.25) }]]]),
    });
    await startAgent(kit("greenhouse-node"), io);
    const rows = await latestOf(["gh-air-temp", "gh-air-humidity", "gh-air-pressure", "gh-light", "gh-bed1-moisture", "gh-bed2-moisture", "gh-bed2-soil-temp"]);
    expect(rows["gh-air-temp"]).toMatchObject({ unit: "°C", device: "greenhouse-node" });
    expect(rows["gh-air-temp"].value).toBeCloseTo(25.08, 2);
    expect(rows["gh-air-pressure"].value).toBeCloseTo(1006.53, 1);
    expect(rows["gh-air-humidity"].unit).toBe("%RH");
    expect(rows["gh-light"]).toMatchObject({ unit: "lx" });
    expect(rows["gh-light"].value).toBeCloseTo(28066.67, 1);
    expect(rows["gh-bed1-moisture"].value).toBeCloseTo(((560 - 412) / (560 - 265)) * 100, 6);
    expect(rows["gh-bed2-soil-temp"]).toMatchObject({ value: 14.25, unit: "°C" });
    // Bed 3's probe reads its own dry-air value: 0 %, a real reading, not a fault.
    expect(rows["gh-bed3-moisture"]).toMatchObject({ value: 0, quality: "good" });
    expect(light.writes).toEqual(expect.arrayContaining([[0x20]])); // one-time H-resolution measurement, each sample

    lightAnswers = false; // the BH1750's cable is pulled
    const invalid = await waitFor("an invalid light reading", async () => {
      const r = (await gw.gateway.store.latest()).find((x) => x.sensor === "gh-light");
      return r?.quality === "invalid" ? r : undefined;
    });
    expect(invalid).toMatchObject({ value: null, warning: expect.stringMatching(/I2C device 0x23 \(bh1750\) does not answer: check SDA\/SCL/) });
    const health = await waitFor("the warning in /api/health", async () => {
      const { body } = await getJson(`${gw.gateway.http.url}/api/health`);
      const device = body.devices.find((d: { device: string }) => d.device === "greenhouse-node");
      return device?.warnings.some((w: string) => w.startsWith("gh-light: I2C device 0x23")) ? device : undefined;
    });
    expect(health.online).toBe(true);
    lightAnswers = true; // plugged back in: set up again and read
    await waitFor("light good again", async () => (await gw.gateway.store.latest()).find((x) => x.sensor === "gh-light")?.quality === "good");
  });

  it("battery node: a charge controller and a battery monitor on VE.Direct, a Modbus meter, no Arduino", async () => {
    const [mppt, bmv, meter] = [await openPty(), await openPty(), await openPty()];
    ptys.push(mppt, bmv, meter);
    const m = serveModbusMeter(meter, 1, () => floatRegisters({ 0x0000: 229.8, 0x0006: 4.2, 0x000c: 965.5, 0x0156: 1234.5 }));
    const board = kit("battery-node");
    const ports: Record<string, string> = { "/dev/ttyUSB0": mppt.path, "/dev/ttyUSB1": bmv.path, "/dev/ttyUSB2": meter.path };
    await startAgent({ ...board, sensors: board.sensors.map((s) => ("port" in s ? { ...s, port: ports[s.port] } : s)) });
    timers.push(setInterval(() => {
      mppt.send(veDirectBlock([["PID", "0xA057"], ["V", "51230"], ["I", "12400"], ["VPV", "98100"], ["PPV", "652"], ["CS", "3"], ["ERR", "0"], ["H19", "348211"]]));
      bmv.send(veDirectBlock([["PID", "0xA381"], ["V", "51190"], ["I", "-8300"], ["SOC", "734"], ["TTG", "1385"], ["Alarm", "OFF"], ["AR", "0"]]));
    }, 150));
    const rows = await latestOf(["bank-voltage", "bank-charge-current", "pv-power", "pv-yield-total", "bank-soc", "kitchen-power", "kitchen-energy"]);
    expect(rows["bank-voltage"]).toMatchObject({ unit: "V", value: 51.23 });
    expect(rows["bank-charge-current"]).toMatchObject({ unit: "A", value: 12.4 });
    expect(rows["pv-power"]).toMatchObject({ unit: "W", value: 652 });
    expect(rows["pv-yield-total"]).toMatchObject({ unit: "Wh", value: 3_482_110 });
    expect(rows["bank-soc"]).toMatchObject({ unit: "%", value: 73.4 });
    expect(rows["kitchen-power"].value).toBeCloseTo(965.5, 3);
    expect(rows["kitchen-energy"]).toMatchObject({ unit: "Wh" });
    expect(rows["kitchen-energy"].value).toBeCloseTo(1_234_500, 0);
    expect(m.requests).toBeGreaterThan(0);
  });

  it("tank node: ultrasonic level through the tank's geometry, a 4-20 mA cistern, float switch and pulses", async () => {
    // The ADS1115's registers are 16 bits wide behind a pointer: conversion 0x00, config 0x01.
    const adc = { writes: [] as number[][], write(b: number[]) { adc.writes.push(b); }, read: (register: number | null) => (register === 0x00 ? [0x38, 0x40] : undefined) }; // 14400 counts = 12 mA = 2.5 m
    let pulses = 0;
    const io = new SimulatedIo({
      readAnalog: () => 0,
      readDigital: (pin) => (pin === 4 ? 1 : pin === 2 ? ((pulses++ % 2) as 0 | 1) : 0),
      samplingIntervalMs: 10,
      i2c: new Map([[0x48, adc]]),
      ping: () => 5800, // 0.996 m of air under the sensor at 20 °C
    });
    await startAgent(kit("tank-node"), io);
    const rows = await latestOf(["tank-east-level", "cistern-east-level", "cistern-east-overflow", "main-east-flow"]);
    const heightM = 2.2 - (5800e-6 * (331.3 + 0.606 * 20)) / 2;
    expect(rows["tank-east-level"].value).toBeCloseTo(Math.PI * 1.2 ** 2 * heightM * 1000, 0);
    expect(rows["cistern-east-level"]).toMatchObject({ unit: "L" });
    expect(rows["cistern-east-level"].value).toBeCloseTo(16_500 + 0.5 * (26_000 - 16_500), 0); // 2.5 m in the strapping table
    expect(rows["cistern-east-overflow"]).toMatchObject({ value: 0, unit: "bool" }); // pin HIGH, active low: not at overflow
    expect(rows["main-east-flow"].unit).toBe("L/min");
    // Rounds of 0 and 1 pulse alternate; a batch can end on either, so look at every stored reading.
    await waitFor("water flowing", async () =>
      (await gw.gateway.store.query({ sensor: "main-east-flow", fromMs: 0, toMs: Date.now() + 60_000 })).some((r) => (r.value ?? 0) > 0));
    // The ADS1115 was configured for AIN0 at ±4.096 V before the first read.
    expect(adc.writes[0]).toEqual([0x01, 0xc2, 0x83]);
  });

  it("pantry node: a bin on a NAU7802, a bin on a serial scale with its tare, the cold store probe", async () => {
    const scale = await openPty();
    ptys.push(scale);
    const nau = nau7802Chip(300_000);
    const io = new SimulatedIo({
      readAnalog: () => 0,
      readDigital: () => 0,
      samplingIntervalMs: 20,
      i2c: new Map([[0x2a, nau]]),
      oneWire: new Map([[5, [{ rom: [0x28, 1, 2, 3, 4, 5, 6, 7], scratchpad: () => scratchpad(3.5) }]]]),
    });
    const board = kit("pantry-node");
    await startAgent({ ...board, sensors: board.sensors.map((s) => ("port" in s ? { ...s, port: scale.path } : s)) }, io);
    timers.push(setInterval(() => scale.send(Buffer.from("US,GS,+  90.10kg\r\nST,GS,+  93.70kg\r\n")), 150));
    const rows = await latestOf(["grain-bin-kg", "legume-bin-kg", "cold-store-probe"]);
    // (300000 - 184220) x 50 / (2305120 - 184220)
    expect(rows["grain-bin-kg"].value).toBeCloseTo(((300_000 - 184_220) * 50) / (2_305_120 - 184_220), 6);
    expect(rows["legume-bin-kg"]).toMatchObject({ unit: "kg" });
    expect(rows["legume-bin-kg"].value).toBeCloseTo(93.7 - 18.5, 6); // the stable weight minus the empty bin
    expect(rows["cold-store-probe"]).toMatchObject({ value: 3.5, unit: "°C" });
    // NAU7802 brought up in the datasheet's order: reset, power up, gain, start.
    expect(nau.writes.slice(0, 6)).toEqual([[0x00, 0x01], [0x00, 0x02], [0x01, 0x27], [0x00, 0x86], [0x00, 0x96], [0x02, 0x04]]);
    expect(nau.registers[0x00] & 0x08).toBe(0x08); // the model says power-up ready, as the driver checked
  });
});
