// Nuvoton NAU7802 24-bit load-cell ADC on I2C (datasheet rev 1.7). §9.1 PU_CTRL 0x00: RR (bit 0)
// resets, PUD (bit 1) and PUA (bit 2) power up, CS (bit 4) starts conversions; CTRL1 0x01 bits 2:0
// set the gain (7 = x128); ADCO_B2..B0 (0x12..0x14) hold the result, 24-bit two's complement.
// Weight is linear in counts: a tare (empty bin) and one known weight calibrate it.
import { s24be } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";

export interface LoadCellConfig {
  /** Counts with the empty bin on the scale. */
  tareCounts: number;
  /** Counts with a known weight on it, and that weight. */
  spanCounts: number;
  spanKg: number;
}

export function loadCellKg(counts: number, c: LoadCellConfig): number {
  return ((counts - c.tareCounts) * c.spanKg) / (c.spanCounts - c.tareCounts);
}

/** Counts at the rails of the 24-bit range mean a broken excitation or signal wire. */
export function nau7802Fault(counts: number): string | undefined {
  if (counts >= 0x7fffff || counts <= -0x800000) return "load cell ADC at full scale: check the cell's four wires and the excitation";
  return undefined;
}

export function nau7802(_config: LoadCellConfig): I2cPlan<LoadCellConfig> {
  return {
    setup: [
      { register: 0x00, bytes: [0x01] }, // RR: register reset
      { register: 0x00, bytes: [0x06] }, // PUD | PUA: power up digital and analog
      { register: 0x01, bytes: [0x27] }, // VLDO 3.0 V, gain x128
      { register: 0x00, bytes: [0x16] }, // CS: start conversions (PUD | PUA kept)
    ],
    sample: [{ register: 0x12, bytes: 3 }], // ADCO_B2..B0, read as one burst
    convert(bytes, _constants, c) {
      const counts = s24be(bytes);
      const fault = nau7802Fault(counts);
      if (fault) throw new Error(fault);
      return loadCellKg(counts, c);
    },
  };
}
