// An analog sensor: ADC counts on a 10-bit Arduino input (0..1023, ATmega328P datasheet §24.7:
// ADC = Vin * 1024 / Vref) mapped to real units through calibration points: two for a linear
// sensor (level, pressure, flow, load-cell and thermistor amplifiers), more for one that is not,
// read piecewise linearly between neighbouring points and along the end segments beyond them.
import type { AnalogLinearDefinition } from "../../protocol/board/schema.ts";
import type { Driver } from "../sensors/channel.ts";
import { pinChannel } from "../sensors/pin-channel.ts";
import { checkRange, invalidSample } from "../sensors/sample.ts";

export interface LinearMap {
  toValue(counts: number): number;
  toCounts(value: number): number;
}

export function analogLinear(calibration: AnalogLinearDefinition["calibration"]): LinearMap {
  // Two points may be given in either order; more come with rising counts (the board check).
  const points = calibration.counts.map((c, i) => [c, calibration.values[i]] as const).sort((a, b) => a[0] - b[0]);
  const rising = points[points.length - 1][1] > points[0][1];
  const segment = (x: number, at: 0 | 1) => {
    // The segment that holds x (by counts, or by value), or the end segment beyond the points.
    let k = 0;
    while (k < points.length - 2 && (at === 0 ? x > points[k + 1][0] : rising ? x > points[k + 1][1] : x < points[k + 1][1])) k++;
    return [points[k], points[k + 1]] as const;
  };
  return {
    toValue: (counts) => {
      const [[c0, v0], [c1, v1]] = segment(counts, 0);
      return v0 + ((counts - c0) * (v1 - v0)) / (c1 - c0);
    },
    toCounts: (value) => {
      const [[c0, v0], [c1, v1]] = segment(value, 1);
      return c0 + ((value - v0) * (c1 - c0)) / (v1 - v0);
    },
  };
}

/** Counts pinned to a rail mean an open or shorted wire, not a measurement. */
export function railWarning(counts: number): string | undefined {
  if (counts <= 0) return "input reads 0 counts: check the sensor cable and its supply";
  if (counts >= 1023) return "input reads full scale: check for a short or a missing ground";
  return undefined;
}

export const analogLinearDriver: Driver<"analog-linear"> = (sensor, ctx) => {
  const map = analogLinear(sensor.calibration);
  return pinChannel(sensor, ctx, {}, (raw) => {
    const rail = railWarning(raw);
    if (rail) return invalidSample(sensor.id, sensor.unit, rail);
    return checkRange({ sensor: sensor.id, value: map.toValue(raw), unit: sensor.unit, quality: "good" }, sensor.range, sensor.hint);
  });
};
