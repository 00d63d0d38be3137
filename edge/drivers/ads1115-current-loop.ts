// A 4-20 mA transmitter (e.g. a hydrostatic level or pressure transducer) read across a shunt
// resistor by an ADS1115 16-bit ADC on I2C. TI ADS1115 datasheet (SBAS444D):
// §9.6.1 conversion register 0x00, 16-bit two's complement; §9.6.3 config register 0x01;
// Table 3 full-scale ranges; LSB = FSR / 32768. NAMUR NE 43: below 3.6 mA or above 21 mA is a
// fault signal (open loop, short), not a measurement.
import { s16be } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";
import { analogLinear } from "./analog-linear.ts";
import { onI2cBus } from "../sensors/i2c-channel.ts";
import { litresAt } from "../../protocol/board/tank-geometry.ts";

/** PGA setting (config bits 11:9) -> full-scale range in volts. */
export const ADS1115_FSR: Record<number, number> = { 0: 6.144, 1: 4.096, 2: 2.048, 3: 1.024, 4: 0.512, 5: 0.256 };

export interface CurrentLoopConfig {
  /** Single-ended input AIN0..AIN3. */
  channel: number;
  shuntOhms: number;
  /** Values the transmitter's 4 mA and 20 mA mean, e.g. [0, 5] metres of water... */
  span?: [number, number];
  /** ...or measured points, loop mA and the value each meant, piecewise linear between them. */
  calibration?: { milliamps: number[]; values: number[] };
}

/** The PGA that fits 20 mA across the shunt with the finest resolution. */
export function pgaFor(shuntOhms: number): number {
  const volts = 0.0205 * shuntOhms;
  for (const pga of [5, 4, 3, 2, 1]) if (ADS1115_FSR[pga] >= volts) return pga;
  return 0;
}

/** Config: OS=1, MUX=100+channel (single-ended), PGA, MODE=0 continuous, DR=100 (128 SPS), comparator off. */
export function ads1115Config(channel: number, pga: number): number[] {
  const word = (1 << 15) | ((0b100 + channel) << 12) | (pga << 9) | (0 << 8) | (0b100 << 5) | 0b11;
  return [(word >> 8) & 0xff, word & 0xff];
}

export function loopMilliamps(bytes: number[], shuntOhms: number, pga: number): number {
  const volts = (s16be(bytes) * ADS1115_FSR[pga]) / 32768;
  return (volts / shuntOhms) * 1000;
}

export function loopFault(mA: number): string | undefined {
  if (mA < 3.6) return `current loop reads ${mA.toFixed(2)} mA (< 3.6): open loop, check the transmitter's cable and 24 V supply`;
  if (mA > 21) return `current loop reads ${mA.toFixed(2)} mA (> 21): short circuit or transmitter fault`;
  return undefined;
}

export function loopValue(mA: number, c: Pick<CurrentLoopConfig, "span" | "calibration">): number {
  if (c.calibration) return analogLinear({ counts: c.calibration.milliamps, values: c.calibration.values }).toValue(mA);
  const span = c.span!; // the board schema asks for one of the two
  return span[0] + ((mA - 4) / 16) * (span[1] - span[0]);
}

export function ads1115CurrentLoop(config: CurrentLoopConfig): I2cPlan<CurrentLoopConfig> {
  const pga = pgaFor(config.shuntOhms);
  return {
    setup: [{ register: 0x01, bytes: ads1115Config(config.channel, pga) }],
    sample: [{ register: 0x00, bytes: 2 }],
    convert(bytes, _constants, c) {
      const mA = loopMilliamps(bytes, c.shuntOhms, pga);
      const fault = loopFault(mA);
      if (fault) throw new Error(fault);
      return loopValue(mA, c);
    },
  };
}

/** A level transmitter's loop read as a height, then as litres where the tank's geometry is given. */
export const ads1115CurrentLoopDriver = onI2cBus<"ads1115-current-loop", CurrentLoopConfig>((sensor) => {
  const base = ads1115CurrentLoop(sensor);
  const geometry = sensor.geometry;
  const plan: I2cPlan<CurrentLoopConfig> = {
    ...base,
    convert: (bytes, constants, c) => {
      const v = base.convert(bytes, constants, c);
      return geometry ? litresAt(geometry, v) : v;
    },
  };
  return { plan, config: sensor };
});
