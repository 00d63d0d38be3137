// One sample of one sensor before it is stamped and journalled.
import type { Unit } from "../../protocol/units.ts";

export interface Sample {
  sensor: string;
  value: number | null;
  unit: Unit;
  quality: "good" | "invalid";
  warning?: string;
}

export function invalidSample(sensor: string, unit: Unit, warning: string): Sample {
  return { sensor, value: null, unit, quality: "invalid", warning: warning.slice(0, 200) };
}

/** Range plausibility: a value outside the declared range is published invalid, never clamped. */
export function checkRange(sample: Sample, range: [number, number] | undefined, hint: string | undefined): Sample {
  if (!range || sample.value === null) return sample;
  const [lo, hi] = range;
  if (sample.value >= lo && sample.value <= hi) return sample;
  const shown = Number(sample.value.toFixed(2));
  const what = `${shown} ${sample.unit} is outside ${lo}..${hi} ${sample.unit}: ${hint ?? "check the sensor and its calibration"}`;
  return invalidSample(sample.sensor, sample.unit, what);
}
