// Capacitive soil moisture probe (v1.2 type, analog output): the output voltage falls as the soil
// gets wetter. Each probe differs, so each is calibrated with two readings: in dry air and in water.
// Moisture is the position between them, 0 % dry to 100 % in water.
import type { Driver } from "../sensors/channel.ts";
import { pinChannel } from "../sensors/pin-channel.ts";
import { checkRange, invalidSample } from "../sensors/sample.ts";

export interface SoilCalibration {
  dryCounts: number;
  wetCounts: number;
}

export function soilMoisturePct(counts: number, c: SoilCalibration): number {
  return ((c.dryCounts - counts) / (c.dryCounts - c.wetCounts)) * 100;
}

/** Readings well beyond dry air or water mean a wiring fault, not a soil. */
export function soilFault(pct: number): string | undefined {
  if (pct < -10) return "drier than air: the probe is out of the soil or its signal wire is broken";
  if (pct > 110) return "wetter than water: the probe's electronics are wet or shorted";
  return undefined;
}

export const soilMoistureDriver: Driver<"soil-moisture"> = (sensor, ctx) =>
  pinChannel(sensor, ctx, {}, (raw) => {
    const pct = soilMoisturePct(raw, sensor.calibration);
    const fault = soilFault(pct);
    if (fault) return invalidSample(sensor.id, "%", fault);
    return checkRange({ sensor: sensor.id, value: Math.min(100, Math.max(0, pct)), unit: "%", quality: "good" }, sensor.range, sensor.hint);
  });
