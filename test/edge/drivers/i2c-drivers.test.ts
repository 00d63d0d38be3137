// Raw bytes in, real units out: each I2C driver against its datasheet's register formats.
import { describe, expect, it } from "vitest";
import { ads1115Config, ads1115CurrentLoop, pgaFor } from "../../../edge/drivers/ads1115-current-loop.ts";
import { ina219 } from "../../../edge/drivers/ina219.ts";
import { ina226 } from "../../../edge/drivers/ina226.ts";
import { nau7802 } from "../../../edge/drivers/nau7802.ts";
import { bh1750 } from "../../../edge/drivers/bh1750.ts";
import { bme280, bme280Trim, type Bme280Trim } from "../../../edge/drivers/bme280.ts";

const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];

describe("ADS1115 with a 4-20 mA transmitter", () => {
  const config = { channel: 0, shuntOhms: 150, span: [0, 5] as [number, number] };
  const plan = ads1115CurrentLoop(config);

  it("chooses the ±4.096 V range for 20 mA across 150 Ω and writes its config word", () => {
    expect(pgaFor(150)).toBe(1);
    // OS=1, MUX=100 (AIN0 single-ended), PGA=001, MODE=0, DR=100, comparator disabled (11)
    expect(ads1115Config(0, 1)).toEqual([0xc2, 0x83]);
    expect(plan.setup).toEqual([{ register: 0x01, bytes: [0xc2, 0x83] }]);
  });

  it("turns 12 mA (1.8 V = 14400 counts) into mid-span", () => {
    expect(plan.convert(be16(14400), [], config)).toBeCloseTo(2.5, 3);
    expect(plan.convert(be16(4800), [], config)).toBeCloseTo(0, 3); // 4 mA = 0.6 V
  });

  it("reads measured points instead of a span: a pressure transmitter checked at three depths", () => {
    // At 0, 2 and 5 m the loop read 4.0, 10.8 and 20.0 mA (a transmitter 0.3 mA high at mid-range).
    const measured = { channel: 0, shuntOhms: 150, calibration: { milliamps: [4, 10.8, 20], values: [0, 2, 5] } };
    const p = ads1115CurrentLoop(measured);
    expect(p.convert(be16(14400), [], measured)).toBeCloseTo(2 + (1.2 / 9.2) * 3, 3); // 12 mA
    expect(p.convert(be16(4800), [], measured)).toBeCloseTo(0, 3);
  });

  it("reports an open loop and a short instead of a level", () => {
    expect(() => plan.convert(be16(0), [], config)).toThrow(/open loop/);
    expect(() => plan.convert(be16(26000), [], config)).toThrow(/> 21/);
  });
});

describe("INA219 and INA226 shunt monitors", () => {
  it("INA219: bus 12 V (0x5DC0) and shunt 10 mV (0x03E8) across 0.1 Ω", () => {
    const bytes = [...be16(0x03e8), ...be16(0x5dc0)];
    expect(ina219({ quantity: "voltage", shuntOhms: 0.1 }).convert(bytes, [], { quantity: "voltage", shuntOhms: 0.1 })).toBeCloseTo(12, 6);
    expect(ina219({ quantity: "current", shuntOhms: 0.1 }).convert(bytes, [], { quantity: "current", shuntOhms: 0.1 })).toBeCloseTo(0.1, 6);
    expect(ina219({ quantity: "power", shuntOhms: 0.1 }).convert(bytes, [], { quantity: "power", shuntOhms: 0.1 })).toBeCloseTo(1.2, 6);
  });

  it("INA219: the overflow bit is an error, not a value", () => {
    const plan = ina219({ quantity: "voltage", shuntOhms: 0.1 });
    expect(() => plan.convert([...be16(0x7fff), ...be16(0x5dc1)], [], { quantity: "voltage", shuntOhms: 0.1 })).toThrow(/overflow/);
  });

  it("INA226: bus 12 V (9600 x 1.25 mV) and a discharge of -2.5 mV across 2 mΩ", () => {
    const bytes = [...be16(0xfc18), ...be16(9600)];
    const c = (quantity: "voltage" | "current" | "power") => ({ quantity, shuntOhms: 0.002 });
    expect(ina226(c("voltage")).convert(bytes, [], c("voltage"))).toBeCloseTo(12, 6);
    expect(ina226(c("current")).convert(bytes, [], c("current"))).toBeCloseTo(-1.25, 6);
    expect(ina226(c("power")).convert(bytes, [], c("power"))).toBeCloseTo(-15, 6);
  });
});

describe("NAU7802 load-cell ADC", () => {
  const c = { tareCounts: 100_000, spanCounts: 500_000, spanKg: 20 };
  /** The revision id the setup reads back; each sample starts with PU_CTRL (0x9e: PUR set, converting). */
  const ready = [[0x0f]];
  it("reads 24-bit two's complement and applies tare and span", () => {
    expect(nau7802(c).convert([0x9e, 0x04, 0x93, 0xe0], ready, c)).toBeCloseTo(10, 6); // 300000 counts
    expect(nau7802(c).convert([0x9e, 0xff, 0xff, 0xff], ready, c)).toBeCloseTo(-5.00005, 4); // -1 count
  });
  it("reads a multi-point calibration piecewise: a cell that is not straight past half load", () => {
    const points = { counts: [100_000, 300_000, 600_000], values: [0, 10, 25] }; // 20 kg, then 15 kg per 300k counts
    expect(nau7802(points).convert([0x9e, 0x04, 0x93, 0xe0], ready, points)).toBeCloseTo(10, 6); // 300000 counts
    expect(nau7802(points).convert([0x9e, 0x06, 0x1a, 0x80], ready, points)).toBeCloseTo(15, 6); // 400000 counts: 10 kg + a third of the next 15
  });
  it("treats a rail reading as a broken wire", () => {
    expect(() => nau7802(c).convert([0x9e, 0x7f, 0xff, 0xff], ready, c)).toThrow(/full scale/);
  });
  it("powers up in §9.1's order: reset, digital, LDO and gain, analog on the internal LDO, conversions, offset calibration", () => {
    expect(nau7802(c).setup.map((w) => [w.register, w.bytes[0]])).toEqual([[0x00, 0x01], [0x00, 0x02], [0x01, 0x27], [0x00, 0x86], [0x00, 0x96], [0x02, 0x04]]);
    expect(nau7802(c).constants).toEqual([{ register: 0x1f, bytes: 1 }]);
  });
  it("sees from PU_CTRL in each sample that a chip which still answers has reset and stopped converting", () => {
    expect(nau7802(c).forgotSetup!([0x9e, 0x04, 0x93, 0xe0])).toBeUndefined();
    expect(nau7802(c).forgotSetup!([0x00, 0x00, 0x00, 0x00])).toMatch(/not converting \(PU_CTRL 0x0\)/); // §9.1: power-on value
  });
  it("refuses a chip that is not power-up ready (PUR) or is not a NAU7802 (revision id)", () => {
    expect(() => nau7802(c).convert([0x96, 0x04, 0x93, 0xe0], [[0x0f]], c)).toThrow(/power-up ready/);
    expect(() => nau7802(c).convert([0x9e, 0x04, 0x93, 0xe0], [[0x00]], c)).toThrow(/revision id 0x0 is not a NAU7802/);
  });
});

describe("BH1750 light sensor", () => {
  it("gives the datasheet's example: 0x83 0x90 is about 28067 lx", () => {
    expect(bh1750().convert([0x83, 0x90], [], undefined)).toBeCloseTo(28066.67, 1);
  });
  it("flags full scale (0xFFFF) as saturated, not as 54,612 lx", () => {
    expect(() => bh1750().convert([0xff, 0xff], [], undefined)).toThrow(/saturated/);
    expect(bh1750().convert([0xff, 0xfe], [], undefined)).toBeCloseTo(54611.67, 1);
    // A sudden exact 0 after light (a chip reset mid-measurement) is measured again; dark after dark is not.
    expect(bh1750().doubt!([0, 0], [0x04, 0xb0])).toMatch(/read 0 lx straight after 1000 lx/);
    expect(bh1750().doubt!([0, 0], [0, 0])).toBeUndefined();
    expect(bh1750().doubt!([0, 0], undefined)).toBeUndefined();
    expect(bh1750().doubt!([0, 1], [0x04, 0xb0])).toBeUndefined();
  });
});

describe("BME280", () => {
  // Bosch's worked example (BMP280 datasheet §3.12; the BME280 uses the same T and P compensation).
  const trim: Bme280Trim = {
    T1: 27504, T2: 26435, T3: -1000,
    P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
    H1: 75, H2: 362, H3: 0, H4: 313, H5: 50, H6: 30,
  };
  const calibA = [
    ...le16(trim.T1), ...le16(trim.T2), ...le16(trim.T3),
    ...le16(trim.P1), ...le16(trim.P2), ...le16(trim.P3), ...le16(trim.P4), ...le16(trim.P5),
    ...le16(trim.P6), ...le16(trim.P7), ...le16(trim.P8), ...le16(trim.P9),
    0x00, trim.H1,
  ];
  // 0xE4..0xE6 pack H4 (12 bits) and H5 (12 bits) around a shared nibble.
  const calibB = [...le16(trim.H2), trim.H3, trim.H4 >> 4, ((trim.H5 & 0x0f) << 4) | (trim.H4 & 0x0f), trim.H5 >> 4, trim.H6];
  // The sample burst from ctrl_meas (0xF4): normal mode as set up, config, 0xF6, then the data.
  const burst = (adcP: number, adcT: number, adcH: number) => [
    0x27, 0xa0, 0x00,
    adcP >> 12, (adcP >> 4) & 0xff, (adcP & 0x0f) << 4,
    adcT >> 12, (adcT >> 4) & 0xff, (adcT & 0x0f) << 4,
    adcH >> 8, adcH & 0xff,
  ];

  it("unpacks the trimming constants, including the split H4/H5 nibbles", () => {
    expect(bme280Trim(calibA, calibB)).toEqual(trim);
  });

  it("gives Bosch's example: 25.08 °C and 1006.53 hPa", () => {
    const data = burst(415148, 519888, 30000);
    const c = (quantity: "temperature" | "pressure" | "humidity") => ({ quantity });
    expect(bme280(c("temperature")).convert(data, [calibA, calibB, [0x60]], c("temperature"))).toBeCloseTo(25.08, 2);
    expect(bme280(c("pressure")).convert(data, [calibA, calibB, [0x60]], c("pressure"))).toBeCloseTo(1006.5327, 2);
    const rh = bme280(c("humidity")).convert(data, [calibA, calibB, [0x60]], c("humidity"));
    const wetter = bme280(c("humidity")).convert(burst(415148, 519888, 34000), [calibA, calibB, [0x60]], c("humidity"));
    expect(rh).toBeGreaterThan(0);
    expect(rh).toBeLessThan(100);
    expect(wetter).toBeGreaterThan(rh);
  });

  it("refuses a chip whose id is not a BME280's (0x60): a BMP280 (0x58), or one not read", () => {
    const data = burst(415148, 519888, 30000);
    expect(() => bme280({ quantity: "temperature" }).convert(data, [calibA, calibB, [0x58]], { quantity: "temperature" })).toThrow(/chip id 0x58 is not a BME280's 0x60/);
    expect(() => bme280({ quantity: "temperature" }).convert(data, [calibA, calibB], { quantity: "temperature" })).toThrow(/chip id 0x0/);
  });

  it("sees from ctrl_meas that a chip which still answers has reset (sleep mode) and lost its setup", () => {
    expect(bme280({ quantity: "temperature" }).forgotSetup!(burst(415148, 519888, 30000))).toBeUndefined();
    const afterReset = [0x00, 0x00, 0x00, ...burst(0x80000, 0x80000, 0x8000).slice(3)]; // §5.4.5: sleep at power-on
    expect(bme280({ quantity: "temperature" }).forgotSetup!(afterReset)).toMatch(/left normal mode \(ctrl_meas 0x0\)/);
  });

  it("refuses the reset value that means no measurement was taken", () => {
    expect(() => bme280({ quantity: "temperature" }).convert(burst(0x80000, 0x80000, 0x8000), [calibA, calibB, [0x60]], { quantity: "temperature" })).toThrow(/not measured/);
  });
});
