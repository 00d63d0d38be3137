// An edge agent on real Firmata bytes: johnny-five and firmata-io over serialport's mock binding,
// with a fake StandardFirmata board answering; readings reach the store calibrated.
import { afterAll, describe, expect, it } from "vitest";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { EdgeAgent } from "../../edge/agent.ts";
import type { BoardDefinition } from "../../protocol/board/schema.ts";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import { fakeFirmataBoard, type FirmataBoardFake } from "../helpers/firmata-board.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { nau7802Chip } from "../helpers/nau7802-chip.ts";
import { crc8Maxim } from "../../edge/drivers/ds18b20.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

/** An agent for the board file, talking Firmata to the fake board over its serial port. */
function agentOverFirmata(def: BoardDefinition, fake: FirmataBoardFake, gatewayUrl: string, dataDir: string, sampleIntervalMs: number): EdgeAgent {
  return new EdgeAgent({
    board: { ...def, io: { kind: "firmata", path: fake.path, baudRate: 57600 } },
    io: openFirmataIo({ path: fake.path, baudRate: 57600, port: fake.port }),
    gatewayUrl,
    dataDir,
    log: testLog,
    sampleIntervalMs,
  });
}

describe("edge agent on Firmata", () => {
  const dir = tempDir();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let agent: EdgeAgent;
  let board: FirmataBoardFake;
  afterAll(async () => {
    await agent?.stop();
    await board?.close();
    await gw?.stop();
    dir.remove();
  });

  it("reads a water board over Firmata and stores litres, flow and the pump contact", async () => {
    gw = await startTestGateway();
    // A0 north tank, A1 south tank, A2 cistern, A3 flow; pin 7 the pump contact.
    const counts = [511.5, 306.75, 716.25, 409];
    board = fakeFirmataBoard({ analog: (c) => counts[c] ?? 0, digital: (p) => (p === 7 ? 1 : 0) });
    const def = loadBoardFile("boards/water.yaml").board;
    agent = agentOverFirmata(def, board, gw.gateway.broker.url, dir.path, 100);
    await agent.start();
    const latest = await waitFor("every water sensor stored", async () => {
      const rows = await gw.gateway.store.latest();
      return rows.length >= 5 ? Object.fromEntries(rows.map((r) => [r.sensor, r])) : undefined;
    });
    // 512 counts (the ADC rounds): (512 - 102) / (921 - 102) x 10,000 L
    expect(latest["tank-north-level"]).toMatchObject({ unit: "L", quality: "good" });
    expect(latest["tank-north-level"].value).toBeCloseTo(((512 - 102) / 819) * 10_000, 3);
    expect(latest["cistern-level"].value).toBeCloseTo(((716 - 102) / 819) * 30_000, 3);
    expect(latest["main-flow"]).toMatchObject({ unit: "L/min" });
    expect(latest["main-flow"].value).toBeCloseTo(((409 - 205) / 818) * 60, 3);
    expect(latest["pump-running"]).toMatchObject({ value: 1, unit: "bool" });
    // The host asked the board for analog reports on A0..A3 (REPORT_ANALOG 0xC0|channel, 1).
    for (let ch = 0; ch < 4; ch++) expect(board.written.join(",")).toContain(`${0xc0 | ch},1`);
  });

  /**
   * Runs a kit from boards/kits on a fake Firmata board into a gateway that knows the village and
   * the kits; resolves with the latest stored reading of each sensor once the named ones are good.
   */
  let kitRuns = 0;
  async function kitOverFirmata(kitId: string, values: Parameters<typeof fakeFirmataBoard>[0], good: string[], edit: (b: BoardDefinition) => BoardDefinition = (b) => b) {
    // The gateway knows the kit as edited: it refuses readings of sensors no board file declares.
    const kits = loadBoardDir("boards/kits").map((k) => (k.board.id === kitId ? { ...k, board: edit(k.board) } : k));
    const kit = kits.find((k) => k.board.id === kitId)!.board;
    const kitGateway = await startTestGateway({}, [...loadBoardDir("boards"), ...kits]);
    const kitBoard = fakeFirmataBoard(values);
    // A journal of its own: one kit's readings left from an earlier test must not replay here.
    const kitAgent = agentOverFirmata(kit, kitBoard, kitGateway.gateway.broker.url, `${dir.path}/kit-${++kitRuns}`, 200);
    try {
      await kitAgent.start();
      const rows = await waitFor(`stored: ${good.join(", ")}`, async () => {
        const latest = Object.fromEntries((await kitGateway.gateway.store.latest()).map((r) => [r.sensor, r]));
        return good.every((sensor) => latest[sensor]?.quality === "good") ? latest : undefined;
      }, { timeoutMs: 20_000 });
      return { rows, written: kitBoard.written };
    } finally {
      await kitAgent.stop();
      await kitBoard.close();
      await kitGateway.stop();
    }
  }

  it("reads the pantry kit over Firmata: a NAU7802 on I2C and a DS18B20 on ConfigurableFirmata's OneWire", async () => {
    const rom = [0x28, 0x61, 0x64, 0x12, 0x3c, 0x7d, 0x01];
    const pad = [0x38, 0x00, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10]; // 0x0038 / 16 = 3.5 °C
    const { rows, written } = await kitOverFirmata("pantry-node", {
      analog: () => 0,
      digital: () => 0,
      i2c: new Map([[0x2a, nau7802Chip(300_000)]]),
      oneWire: new Map([[5, [{ rom: [...rom, crc8Maxim(rom)], scratchpad: () => [...pad, crc8Maxim(pad)] }]]]),
    }, ["grain-bin-kg", "cold-store-probe"]);
    expect(rows["cold-store-probe"]).toMatchObject({ value: 3.5, unit: "°C" });
    expect(rows["grain-bin-kg"].value).toBeCloseTo(((300_000 - 184_220) * 50) / (2_305_120 - 184_220), 6);
    // The host sent I2C_REQUEST (0x76) and OneWire (0x73) sysex messages over the serial line.
    expect(written).toEqual(expect.arrayContaining([0xf0, 0x76, 0x73]));
  });

  it("reads two DS18B20 probes on one OneWire pin, each by its ROM code", async () => {
    const romA = [0x28, 0x61, 0x64, 0x12, 0x3c, 0x7d, 0x01];
    const romB = [0x28, 0xaa, 0x10, 0x07, 0x44, 0x02, 0x00];
    const padOf = (raw: number) => [raw & 0xff, raw >> 8, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
    const hex = (b: number[]) => b.map((x) => x.toString(16).padStart(2, "0")).join("");
    const full = (rom: number[]) => [...rom, crc8Maxim(rom)];
    const { rows } = await kitOverFirmata("pantry-node", {
      analog: () => 0,
      digital: () => 0,
      i2c: new Map([[0x2a, nau7802Chip(300_000)]]),
      // The second probe answers the search first: order on the bus says nothing about which is which.
      oneWire: new Map([[5, [
        { rom: full(romB), scratchpad: () => [...padOf(0xffd8), crc8Maxim(padOf(0xffd8))] }, // -2.5 °C
        { rom: full(romA), scratchpad: () => [...padOf(0x0038), crc8Maxim(padOf(0x0038))] }, // 3.5 °C
      ]]]),
    }, ["cold-store-probe", "freezer-probe"], (kit) => ({
      ...kit,
      sensors: [
        ...kit.sensors.map((s) => (s.id === "cold-store-probe" ? { ...s, rom: hex(full(romA)) } : s)),
        { ...kit.sensors.find((s) => s.id === "cold-store-probe")!, id: "freezer-probe", label: "Freezer", rom: hex(full(romB)), range: [-30, 10] } as BoardDefinition["sensors"][number],
      ],
    }));
    expect(rows["cold-store-probe"]).toMatchObject({ value: 3.5, unit: "°C" });
    expect(rows["freezer-probe"]).toMatchObject({ value: -2.5, unit: "°C" });
  });

  it("reads the tank kit over Firmata: an ultrasonic level through PingFirmata and a 4-20 mA cistern on I2C", async () => {
    // The ADS1115's 16-bit registers sit behind a pointer: conversion 0x00 holds 14400 counts (12 mA).
    const adc = { write: () => undefined, read: (register: number | null) => (register === 0x00 ? [0x38, 0x40] : undefined) };
    const { rows, written } = await kitOverFirmata(
      "tank-node",
      { analog: () => 0, digital: (p) => (p === 4 ? 1 : 0), i2c: new Map([[0x48, adc]]), ping: (pin) => (pin === 7 ? 5800 : 0) },
      ["tank-east-level", "cistern-east-level"],
    );
    const heightM = 2.2 - (5800e-6 * (331.3 + 0.606 * 20)) / 2;
    expect(rows["tank-east-level"].value).toBeCloseTo(Math.PI * 1.2 ** 2 * heightM * 1000, 0);
    expect(rows["cistern-east-level"].value).toBeCloseTo(21_250, 0);
    expect(written).toEqual(expect.arrayContaining([0x75])); // PING_READ requests went out
  });

  it("a tank kit flashed with StandardFirmata (no PingFirmata): the ultrasonic level is invalid and says why; the rest goes on", async () => {
    const adc = { write: () => undefined, read: (register: number | null) => (register === 0x00 ? [0x38, 0x40] : undefined) };
    // No `ping`: the board announces no ping mode, as StandardFirmata does not.
    const { rows } = await kitOverFirmata("tank-node", { analog: () => 0, digital: () => 0, i2c: new Map([[0x48, adc]]) }, ["cistern-east-level"]);
    const level = await waitFor("the level's refusal", () => rows["tank-east-level"]);
    expect(level).toMatchObject({ quality: "invalid", value: null });
    expect(level.warning).toMatch(/cannot time an echo \(Please upload PingFirmata to the board\): flash PingFirmata/);
  });
});
