// Register models of the kit's I2C chips on the emulated Uno's bus (uno-harness.c answers the
// firmware's TWI from register files; these fill them as the datasheets say and react to the
// firmware's writes as the chips would).
import type { UnoEmulator } from "./uno-emulator.ts";

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];

/** Bosch's worked-example trimming (BMP280 datasheet §3.12; the BME280 shares T and P). */
const BME280_TRIM_88 = [...[27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000].flatMap(le16), 0x00, 75];
const BME280_TRIM_E1 = [...le16(362), 0, 313 >> 4, ((50 & 0x0f) << 4) | (313 & 0x0f), 50 >> 4, 30];
/** 0xF7..0xFE at power-on and in sleep mode: "no measurement" (0x80000, 0x8000; §5.4.7-5.4.9). */
const BME280_NO_DATA = [0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00];

export interface Bme280Raw {
  adcP: number;
  adcT: number;
  adcH: number;
}

/**
 * A BME280: trimming, id 0x60, every control register 0 (sleep) at power-on. Data appear only
 * once ctrl_meas selects normal mode; a brown-out (reset) puts it back to sleep with no data.
 */
export function bme280OnUno(uno: UnoEmulator, address: number, raw: Bme280Raw) {
  let measuring = false;
  let now = raw;
  const data = (r: Bme280Raw) => [r.adcP >> 12, (r.adcP >> 4) & 0xff, (r.adcP & 0x0f) << 4, r.adcT >> 12, (r.adcT >> 4) & 0xff, (r.adcT & 0x0f) << 4, r.adcH >> 8, r.adcH & 0xff];
  uno.i2cRom(address, 0x88, BME280_TRIM_88);
  uno.i2cRom(address, 0xd0, [0x60]);
  uno.i2cRom(address, 0xe1, BME280_TRIM_E1);
  uno.i2cRom(address, 0xf2, [0x00, 0x00, 0x00, 0x00, 0x00, ...BME280_NO_DATA]);
  uno.onI2cWrite((w) => {
    if (w.address !== address || w.register > 0xf4 || w.register + w.bytes.length <= 0xf4) return;
    measuring = (w.bytes[0xf4 - w.register] & 0x03) === 0x03;
    uno.i2cSet(address, 0xf7, measuring ? data(now) : BME280_NO_DATA);
  });
  return {
    get measuring() {
      return measuring;
    },
    measure(r: Bme280Raw) {
      now = r;
      if (measuring) uno.i2cSet(address, 0xf7, data(r));
    },
    brownOut() {
      measuring = false;
      uno.i2cReset(address);
    },
  };
}

/**
 * A BH1750 as its datasheet describes it: no registers; power-down after power-on with the data
 * register at 0; an opcode starts a measurement whose two bytes of counts land 120 ms later
 * (continuous mode 0x10-0x13 keeps measuring, one-time mode 0x20-0x23 measures once and powers
 * down). A brown-out puts it back in power-down with its data register at 0.
 */
export function bh1750OnUno(uno: UnoEmulator, address: number, counts: number) {
  const MEASUREMENT_MS = 120;
  let light = counts;
  let continuous = false;
  let pending: NodeJS.Timeout | undefined;
  const land = () => uno.i2cSet(address, 0, [light >> 8, light & 0xff]);
  uno.i2cPlain(address);
  uno.i2cRom(address, 0, [0x00, 0x00]);
  uno.onI2cWrite((w) => {
    if (w.address !== address) return;
    const opcode = w.bytes.at(-1)!;
    if (opcode >= 0x10 && opcode <= 0x23 && (opcode & 0x0c) === 0) {
      continuous = opcode < 0x20;
      clearTimeout(pending);
      pending = setTimeout(land, MEASUREMENT_MS);
    }
  });
  return {
    set(next: number) {
      light = next;
      if (continuous) land();
    },
    brownOut() {
      continuous = false;
      clearTimeout(pending);
      uno.i2cReset(address);
    },
  };
}

/**
 * A NAU7802 (datasheet rev 1.7 §9): every register 0 at power-on but the revision id (0x1F, 0x0F).
 * PU_CTRL's read-only bits follow what was written: PUR once PUD is set, CR once PUD, PUA and CS
 * are; ADCO_B2..B0 hold the counts only while it converts; CALS clears itself when the offset
 * calibration is done. RR resets every register. A brown-out is a power-on reset.
 */
export function nau7802OnUno(uno: UnoEmulator, address: number, counts: number) {
  let now = counts;
  let converting = false;
  const s24 = (v: number) => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  uno.i2cRom(address, 0x1f, [0x0f]);
  const settle = (puCtrl: number) => {
    const ready = puCtrl & 0x02 ? 0x08 : 0;
    converting = (puCtrl & 0x16) === 0x16;
    uno.i2cSet(address, 0x00, [(puCtrl & ~0x28) | ready | (converting ? 0x20 : 0)]);
    uno.i2cSet(address, 0x12, converting ? s24(now) : [0, 0, 0]);
  };
  uno.onI2cWrite((w) => {
    if (w.address !== address) return;
    if (w.register === 0x00) {
      if (w.bytes[0] & 0x01) {
        converting = false;
        uno.i2cReset(address);
      } else settle(w.bytes[0]);
    }
    if (w.register === 0x02 && w.bytes[0] & 0x04) uno.i2cSet(address, 0x02, [w.bytes[0] & ~0x04]);
  });
  return {
    get converting() {
      return converting;
    },
    load(next: number) {
      now = next;
      if (converting) uno.i2cSet(address, 0x12, s24(now));
    },
    brownOut() {
      converting = false;
      uno.i2cReset(address);
    },
  };
}
