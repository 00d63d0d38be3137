// A linear analog sensor: ADC counts on a 10-bit Arduino input (0..1023, ATmega328P datasheet
// §24.7: ADC = Vin * 1024 / Vref) mapped to real units through two calibration points. Level,
// pressure, flow, load-cell amplifier and thermistor-amplifier outputs all take this shape.
import type { AnalogLinearDefinition } from "../board/schema.ts";

export interface LinearMap {
  toValue(counts: number): number;
  toCounts(value: number): number;
}

export function analogLinear(calibration: AnalogLinearDefinition["calibration"]): LinearMap {
  const [c0, c1] = calibration.counts;
  const [v0, v1] = calibration.values;
  const slope = (v1 - v0) / (c1 - c0);
  return {
    toValue: (counts) => v0 + (counts - c0) * slope,
    toCounts: (value) => c0 + (value - v0) / slope,
  };
}

/** Counts pinned to a rail mean an open or shorted wire, not a measurement. */
export function railWarning(counts: number): string | undefined {
  if (counts <= 0) return "input reads 0 counts: check the sensor cable and its supply";
  if (counts >= 1023) return "input reads full scale: check for a short or a missing ground";
  return undefined;
}
