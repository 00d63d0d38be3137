// Raw values in, real units out: OneWire, analog, pulse, echo and serial instruments.
import { describe, expect, it } from "vitest";
import { crc8Maxim, ds18b20Celsius } from "../../../edge/drivers/ds18b20.ts";
import { soilFault, soilMoisturePct } from "../../../edge/drivers/soil-moisture.ts";
import { countPulses, litresPerMinute } from "../../../edge/drivers/pulse-flow.ts";
import { echoDistanceM, liquidHeightM } from "../../../edge/drivers/ultrasonic-level.ts";
import { geometryProblems, litresAt, tankCapacityLitres } from "../../../protocol/board/tank-geometry.ts";
import { sdm120Value } from "../../../edge/drivers/sdm120.ts";
import { parseScaleLine } from "../../../edge/drivers/serial-scale.ts";

function scratchpad(raw: number): number[] {
  const bytes = [raw & 0xff, (raw >> 8) & 0xff, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  return [...bytes, crc8Maxim(bytes)];
}

describe("DS18B20", () => {
  it("checks the CRC-8 against Maxim's example ROM code (02 1C B8 01 00 00 00 -> A2)", () => {
    expect(crc8Maxim([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00])).toBe(0xa2);
  });
  it("converts the datasheet's table: 0x0191 = 25.0625 °C, 0xFF5E = -10.125 °C", () => {
    expect(ds18b20Celsius(scratchpad(0x0191))).toBe(25.0625);
    expect(ds18b20Celsius(scratchpad(0xff5e))).toBe(-10.125);
  });
  it("refuses a bad CRC, a silent bus and the 85 °C power-on value", () => {
    const bad = scratchpad(0x0191);
    bad[0] ^= 0x01;
    expect(() => ds18b20Celsius(bad)).toThrow(/CRC/);
    expect(() => ds18b20Celsius(Array(9).fill(0xff))).toThrow(/pull-up/);
    expect(crc8Maxim(Array(8).fill(0))).toBe(0); // why the CRC alone does not catch it
    expect(() => ds18b20Celsius(Array(9).fill(0))).toThrow(/all zeros/);
    expect(() => ds18b20Celsius(scratchpad(0x0550))).toThrow(/power-on/);
  });
});

describe("capacitive soil moisture", () => {
  const cal = { dryCounts: 620, wetCounts: 290 };
  it("maps dry air to 0 % and water to 100 %", () => {
    expect(soilMoisturePct(620, cal)).toBe(0);
    expect(soilMoisturePct(290, cal)).toBe(100);
    expect(soilMoisturePct(455, cal)).toBeCloseTo(50, 6);
  });
  it("calls a broken signal wire what it is", () => {
    expect(soilFault(soilMoisturePct(1023, cal))).toMatch(/out of the soil/);
    expect(soilFault(soilMoisturePct(0, cal))).toMatch(/shorted/);
  });
});

describe("pulse flow meter", () => {
  it("450 pulses in a minute is 1 L/min; the total survives a board restart", () => {
    expect(litresPerMinute(450, 60_000, 450)).toBeCloseTo(1, 9);
    let step = countPulses(undefined, 1000, 0);
    step = countPulses(step.state, 1450, 60_000);
    expect(step).toMatchObject({ pulses: 450, intervalMs: 60_000 });
    step = countPulses(step.state, 90, 120_000); // the Arduino rebooted and counts from 0
    expect(step.pulses).toBe(90);
    expect(step.state.totalPulses).toBe(540);
  });
});

describe("ultrasonic level", () => {
  const c = { mountHeightM: 2.0, minDistanceM: 0.25, airCelsius: 20 };
  it("5800 us of echo at 20 °C is about 1 m of air (the datasheet's uS/58 = cm)", () => {
    expect(echoDistanceM(5800, 20)).toBeCloseTo(0.9959, 3);
    expect(liquidHeightM(5800, c)).toBeCloseTo(1.0041, 3);
  });
  it("names the blind zone, a missing echo and an echo from below the floor", () => {
    expect(() => liquidHeightM(0, c)).toThrow(/no echo/);
    expect(() => liquidHeightM(1000, c)).toThrow(/blind zone/);
    expect(() => liquidHeightM(20_000, c)).toThrow(/below the tank floor/);
  });
});

describe("tank geometry", () => {
  it("vertical cylinder, box, horizontal cylinder and strapping table", () => {
    expect(litresAt({ shape: "vertical-cylinder", diameterM: 2, heightM: 2 }, 1)).toBeCloseTo(Math.PI * 1000, 6);
    expect(litresAt({ shape: "box", lengthM: 2, widthM: 1.5, heightM: 1 }, 0.5)).toBeCloseTo(1500, 6);
    const horizontal = { shape: "horizontal-cylinder" as const, diameterM: 1.2, lengthM: 3 };
    expect(litresAt(horizontal, 0.6)).toBeCloseTo(tankCapacityLitres(horizontal) / 2, 6);
    expect(tankCapacityLitres(horizontal)).toBeCloseTo(Math.PI * 0.36 * 3 * 1000, 6);
    expect(litresAt(horizontal, 0.3)).toBeLessThan(tankCapacityLitres(horizontal) / 4); // less than linear near the bottom
    const table = { shape: "strapping-table" as const, points: [[0, 0], [0.5, 800], [1.0, 2000]] as Array<[number, number]> };
    expect(litresAt(table, 0.75)).toBe(1400);
    expect(litresAt(table, 3)).toBe(2000); // clamped to the tank
  });
  it("refuses a strapping table that does not rise", () => {
    expect(geometryProblems({ shape: "strapping-table", points: [[0, 0], [0.5, 800], [0.4, 700]] })).toEqual([
      "points[2]: heights must rise (0.4 after 0.5)",
      "points[2]: litres must not fall (700 after 800)",
    ]);
  });
});

describe("SDM120 Modbus energy meter", () => {
  const f32 = (v: number) => [...Buffer.from(new Float32Array([v]).buffer).reverse()];
  it("decodes big-endian floats and publishes energy in Wh", () => {
    expect(sdm120Value("voltage", f32(230.5))).toBeCloseTo(230.5, 4);
    expect(sdm120Value("energy", f32(12.5))).toBeCloseTo(12_500, 3);
    expect(() => sdm120Value("power", [0x7f, 0xc0, 0x00, 0x00])).toThrow(/NaN/);
  });
});

describe("serial scale", () => {
  it("reads stable and unstable weights in kg, g and lb", () => {
    expect(parseScaleLine("ST,GS,+0012.345kg\r")).toEqual({ stable: true, kg: 12.345 });
    expect(parseScaleLine("US,NT,-   0.50 kg")).toEqual({ stable: false, kg: -0.5 });
    expect(parseScaleLine("ST,GS,+ 1500 g").kg).toBeCloseTo(1.5, 9);
    expect(parseScaleLine("ST,GS,+10.00lb").kg).toBeCloseTo(4.5359, 4);
  });
  it("names overload and garbage", () => {
    expect(() => parseScaleLine("OL,GS,+9999.99kg")).toThrow(/overload/);
    expect(() => parseScaleLine("\u0000\u00ffST,G")).toThrow(/not understood/);
  });
});
