// Nuvoton NAU7802 24-bit load-cell ADC on I2C (datasheet rev 1.7). §9.1 PU_CTRL 0x00: RR (bit 0)
// resets, PUD (bit 1) and PUA (bit 2) power up, PUR (bit 3, read only) says the digital part is
// ready, CS (bit 4) starts conversions, AVDDS (bit 7) powers the analog side from the internal LDO;
// CTRL1 0x01 bits 5:3 set the LDO (100 = 3.0 V), bits 2:0 the gain (7 = x128); CTRL2 0x02 bit 2
// (CALS) runs the internal offset calibration; ADCO_B2..B0 (0x12..0x14) hold the result, 24-bit
// two's complement; 0x1F holds the revision id, 0xF in its low nibble.
// Weight is linear in counts: a tare (empty bin) and one known weight calibrate it; a cell loaded
// past its straight range takes more points.
import { s24be } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";
import { analogLinear } from "./analog-linear.ts";
import { onI2cBus } from "../sensors/i2c-channel.ts";

export type LoadCellConfig =
  | {
      /** Counts with the empty bin on the scale. */
      tareCounts: number;
      /** Counts with a known weight on it, and that weight. */
      spanCounts: number;
      spanKg: number;
    }
  /** Three or more known weights (values, kg) and their counts: piecewise linear between them. */
  | { counts: number[]; values: number[] };

export function loadCellKg(counts: number, c: LoadCellConfig): number {
  if ("counts" in c) return analogLinear(c).toValue(counts);
  return ((counts - c.tareCounts) * c.spanKg) / (c.spanCounts - c.tareCounts);
}

/** Counts at the rails of the 24-bit range mean a broken excitation or signal wire. */
export function nau7802Fault(counts: number): string | undefined {
  if (counts >= 0x7fffff || counts <= -0x800000) return "load cell ADC at full scale: check the cell's four wires and the excitation";
  return undefined;
}

export function nau7802(_config: LoadCellConfig): I2cPlan<LoadCellConfig> {
  return {
    // §9.1's power-up order. The waits it asks for (PUR within about 200 µs, the LDO settling) are
    // shorter than the time between two writes over Firmata's serial line; PUR is checked below.
    setup: [
      { register: 0x00, bytes: [0x01] }, // RR: register reset
      { register: 0x00, bytes: [0x02] }, // RR cleared, PUD: power up the digital side
      { register: 0x01, bytes: [0x27] }, // VLDO 3.0 V, gain x128
      { register: 0x00, bytes: [0x86] }, // AVDDS | PUA | PUD: the internal LDO, power up the analog side
      { register: 0x00, bytes: [0x96] }, // CS: start conversions
      { register: 0x02, bytes: [0x04] }, // CALS: internal offset calibration (CALMOD 00)
    ],
    // Read after the setup: the chip's identity. Power-up ready is taken from each sample's PU_CTRL:
    // read once right behind the setup it may come before PUR is up, and would hold for ever.
    constants: [{ register: 0x1f, bytes: 1 }],
    // PU_CTRL first: a chip that browned out is powered down with conversions stopped, and its
    // ADCO registers hold a stale or zero count that would read as a weight.
    sample: [{ register: 0x00, bytes: 1 }, { register: 0x12, bytes: 3 }], // ADCO_B2..B0 as one burst
    forgotSetup: ([puCtrl]) =>
      (puCtrl & 0x96) === 0x96 ? undefined : `NAU7802 is not converting (PU_CTRL 0x${puCtrl.toString(16)}): it reset or lost power; setting it up again`,
    convert(sample, constants, c) {
      const [puCtrl, ...bytes] = sample;
      const [[revision]] = constants;
      if ((revision & 0x0f) !== 0x0f) throw new Error(`revision id 0x${revision.toString(16)} is not a NAU7802's (0x?F): check the part at this address`);
      if (!(puCtrl & 0x08)) throw new Error("NAU7802 did not report power-up ready (PUR): check its supply");
      const counts = s24be(bytes);
      const fault = nau7802Fault(counts);
      if (fault) throw new Error(fault);
      return loadCellKg(counts, c);
    },
  };
}

export const nau7802Driver = onI2cBus<"nau7802", LoadCellConfig>((sensor) => ({ plan: nau7802(sensor.calibration), config: sensor.calibration }));
