// Per-sensor filters declared in the board file, applied in the order given (as ESPHome does):
// median and moving average smooth good values; maximum rate and stuck-value detection turn an
// implausible value into an invalid reading with a warning saying what to check. An invalid
// reading never carries the last good value.
import { parseDurationMs } from "../../protocol/expression.ts";
import { invalidSample, type Sample } from "./sample.ts";

export type FilterDefinition =
  | { median: number }
  | { movingAverage: number }
  | { maxRate: { change: number; per: string; confirmAfter?: number } }
  | { stuck: { for: string; tolerance?: number } };

type Step = (sample: Sample, nowMs: number) => Sample;

export function filterChain(filters: readonly FilterDefinition[] | undefined, hint: string | undefined): Step {
  const steps = (filters ?? []).map((f) => makeStep(f, hint));
  return (sample, nowMs) => steps.reduce((s, step) => (s.quality === "good" ? step(s, nowMs) : s), sample);
}

function makeStep(f: FilterDefinition, hint: string | undefined): Step {
  const check = hint ? `: ${hint}` : "";
  if ("median" in f) {
    const window: number[] = [];
    return (s) => {
      window.push(s.value!);
      if (window.length > f.median) window.shift();
      const sorted = [...window].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return { ...s, value: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2 };
    };
  }
  if ("movingAverage" in f) {
    const window: number[] = [];
    return (s) => {
      window.push(s.value!);
      if (window.length > f.movingAverage) window.shift();
      return { ...s, value: window.reduce((a, b) => a + b, 0) / window.length };
    };
  }
  if ("maxRate" in f) {
    const perMs = parseDurationMs(f.maxRate.per);
    const confirmAfter = f.maxRate.confirmAfter ?? 3;
    let last: { value: number; atMs: number } | undefined;
    let suspects = 0;
    return (s, nowMs) => {
      const value = s.value!;
      if (!last || nowMs <= last.atMs) {
        last = { value, atMs: nowMs };
        return s;
      }
      const allowed = (f.maxRate.change * (nowMs - last.atMs)) / perMs;
      const change = value - last.value;
      if (Math.abs(change) <= allowed || ++suspects >= confirmAfter) {
        // A change that persists over several samples is real (a tanker refilled the cistern).
        suspects = 0;
        last = { value, atMs: nowMs };
        return s;
      }
      const shown = (n: number) => Number(n.toFixed(2));
      return invalidSample(s.sensor, s.unit, `jumped by ${shown(change)} ${s.unit} in ${Math.round((nowMs - last.atMs) / 1000)} s, faster than ${f.maxRate.change} ${s.unit} per ${f.maxRate.per} is possible${check || ": check for a loose connector or interference"}`);
    };
  }
  const forMs = parseDurationMs(f.stuck.for);
  const tolerance = f.stuck.tolerance ?? 0;
  let since: { value: number; atMs: number } | undefined;
  return (s, nowMs) => {
    const value = s.value!;
    if (!since || Math.abs(value - since.value) > tolerance) since = { value, atMs: nowMs };
    if (nowMs - since.atMs < forMs) return s;
    return invalidSample(s.sensor, s.unit, `has read ${Number(value.toFixed(2))} ${s.unit} without change for ${f.stuck.for}: a frozen sensor or a stuck float${check}`);
  };
}
