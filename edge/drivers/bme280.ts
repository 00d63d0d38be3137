// Bosch BME280 temperature, humidity and pressure sensor on I2C (BST-BME280-DS002). Trimming
// constants at 0x88..0xA1 and 0xE1..0xE7 (§4.2.2, Table 16), data burst 0xF7..0xFE (§4.3, §5.4),
// compensation in double precision as in §8.1. A skipped or not-yet-taken measurement reads
// 0x80000 (temperature, pressure) or 0x8000 (humidity).
import { s16le, u16le } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";
import { onI2cBus } from "../sensors/i2c-channel.ts";

export type ClimateQuantity = "temperature" | "humidity" | "pressure";

export interface Bme280Trim {
  T1: number; T2: number; T3: number;
  P1: number; P2: number; P3: number; P4: number; P5: number; P6: number; P7: number; P8: number; P9: number;
  H1: number; H2: number; H3: number; H4: number; H5: number; H6: number;
}

/** @param a the 26 bytes from 0x88 @param b the 7 bytes from 0xE1 */
export function bme280Trim(a: number[], b: number[]): Bme280Trim {
  const s12 = (v: number) => (v & 0x800 ? v - 0x1000 : v);
  return {
    T1: u16le(a, 0), T2: s16le(a, 2), T3: s16le(a, 4),
    P1: u16le(a, 6), P2: s16le(a, 8), P3: s16le(a, 10), P4: s16le(a, 12), P5: s16le(a, 14),
    P6: s16le(a, 16), P7: s16le(a, 18), P8: s16le(a, 20), P9: s16le(a, 22),
    H1: a[25],
    H2: s16le(b, 0), H3: b[2],
    H4: s12((b[3] << 4) | (b[4] & 0x0f)),
    H5: s12((b[5] << 4) | (b[4] >> 4)),
    H6: b[6] & 0x80 ? b[6] - 0x100 : b[6],
  };
}

export interface Bme280Raw {
  adcT: number;
  adcP: number;
  adcH: number;
}

/** The 8-byte burst from 0xF7: press msb/lsb/xlsb, temp msb/lsb/xlsb, hum msb/lsb. */
export function bme280Raw(d: number[]): Bme280Raw {
  return {
    adcP: (d[0] << 12) | (d[1] << 4) | (d[2] >> 4),
    adcT: (d[3] << 12) | (d[4] << 4) | (d[5] >> 4),
    adcH: (d[6] << 8) | d[7],
  };
}

/** °C, and t_fine for the other two compensations. */
export function bme280Temperature(adcT: number, t: Bme280Trim): { celsius: number; tFine: number } {
  const var1 = (adcT / 16384 - t.T1 / 1024) * t.T2;
  const var2 = (adcT / 131072 - t.T1 / 8192) ** 2 * t.T3;
  return { celsius: (var1 + var2) / 5120, tFine: var1 + var2 };
}

/** Pascal. */
export function bme280Pressure(adcP: number, tFine: number, t: Bme280Trim): number {
  let var1 = tFine / 2 - 64000;
  let var2 = (var1 * var1 * t.P6) / 32768;
  var2 = var2 + var1 * t.P5 * 2;
  var2 = var2 / 4 + t.P4 * 65536;
  var1 = ((t.P3 * var1 * var1) / 524288 + t.P2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * t.P1;
  if (var1 === 0) throw new Error("BME280 pressure compensation divides by zero: trimming constants unread");
  let p = 1048576 - adcP;
  p = ((p - var2 / 4096) * 6250) / var1;
  var1 = (t.P9 * p * p) / 2147483648;
  var2 = (p * t.P8) / 32768;
  return p + (var1 + var2 + t.P7) / 16;
}

/** %RH, clamped to 0..100 as the datasheet does. */
export function bme280Humidity(adcH: number, tFine: number, t: Bme280Trim): number {
  let h = tFine - 76800;
  h = (adcH - (t.H4 * 64 + (t.H5 / 16384) * h)) * ((t.H2 / 65536) * (1 + (t.H6 / 67108864) * h * (1 + (t.H3 / 67108864) * h)));
  h = h * (1 - (t.H1 * h) / 524288);
  return Math.min(100, Math.max(0, h));
}

export function bme280Convert(burst: number[], trim: Bme280Trim, quantity: ClimateQuantity): number {
  const raw = bme280Raw(burst);
  if (raw.adcT === 0x80000) throw new Error("BME280 has not measured yet (reads its reset value): check its power and mode");
  const { celsius, tFine } = bme280Temperature(raw.adcT, trim);
  if (quantity === "temperature") return celsius;
  if (quantity === "pressure") return bme280Pressure(raw.adcP, tFine, trim) / 100; // hPa
  return bme280Humidity(raw.adcH, tFine, trim);
}

const BME280_CHIP_ID = 0x60;

export function bme280(_config: { quantity: ClimateQuantity }): I2cPlan<{ quantity: ClimateQuantity }> {
  return {
    setup: [
      { register: 0xf2, bytes: [0x01] }, // ctrl_hum: humidity x1 (takes effect with ctrl_meas)
      { register: 0xf5, bytes: [0xa0] }, // config: 1000 ms standby, filter off
      { register: 0xf4, bytes: [0x27] }, // ctrl_meas: temperature x1, pressure x1, normal mode
    ],
    // 0xD0 is the chip id, 0x60 on a BME280 (datasheet §5.4.1): a BMP280 (0x58) has no humidity,
    // and a chip that reset or a wrong part at the address must not be read with these constants.
    constants: [{ register: 0x88, bytes: 26 }, { register: 0xe1, bytes: 7 }, { register: 0xd0, bytes: 1 }],
    // One burst from ctrl_meas through the data (the pointer advances, §5.2.1): the mode bits say
    // whether the chip still runs as set up, the data follow three bytes later at 0xF7.
    sample: [{ register: 0xf4, bytes: 11 }],
    forgotSetup: (bytes) =>
      (bytes[0] & 0x03) === 0x03 ? undefined : `BME280 left normal mode (ctrl_meas 0x${bytes[0].toString(16)}): it reset or lost power; setting it up again`,
    convert: (bytes, constants, c) => {
      const id = constants[2]?.[0];
      if (id !== BME280_CHIP_ID) throw new Error(`chip id 0x${(id ?? 0).toString(16)} is not a BME280's 0x60 (a BMP280 reads 0x58): check the part at this address`);
      return bme280Convert(bytes.slice(3), bme280Trim(constants[0], constants[1]), c.quantity);
    },
  };
}

export const bme280Driver = onI2cBus<"bme280", { quantity: ClimateQuantity }>((sensor) => ({ plan: bme280(sensor), config: sensor }));
