// Hall-effect pulse flow meter (YF-S201 type: F[Hz] = 7.5 x Q[L/min], i.e. 450 pulses per litre).
// Flow is pulses over the sampling interval; the running total is kept with the journal so a
// restart does not reset the count of water that went through the main.
import type { DigitalIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, type Sample } from "../sensors/sample.ts";
import type { Channel, Driver, KeyValueStore } from "../sensors/channel.ts";

export interface PulseCounterState {
  totalPulses: number;
  lastPulses: number;
  atMs: number;
}

export function litresPerMinute(pulses: number, intervalMs: number, pulsesPerLitre: number): number {
  if (intervalMs <= 0) return 0;
  return (pulses / pulsesPerLitre) * (60_000 / intervalMs);
}

/** Folds a new reading of the board's pulse counter into the persisted state. */
export function countPulses(state: PulseCounterState | undefined, counter: number, nowMs: number): { state: PulseCounterState; pulses: number; intervalMs: number } {
  if (!state) return { state: { totalPulses: 0, lastPulses: counter, atMs: nowMs }, pulses: 0, intervalMs: 0 };
  // A counter lower than before means the board restarted and counts from zero again.
  const pulses = counter >= state.lastPulses ? counter - state.lastPulses : counter;
  return { state: { totalPulses: state.totalPulses + pulses, lastPulses: counter, atMs: nowMs }, pulses, intervalMs: nowMs - state.atMs };
}

export const pulseFlowDriver: Driver<"pulse-flow"> = (sensor, ctx) => pulseChannel({ io: ctx.io as DigitalIo, sensor, kv: ctx.kv, now: ctx.now });

type PulseSensor = Extract<SensorDefinition, { driver: "pulse-flow" }>;

/**
 * Counts rising edges from the IO plugin's digital reports and turns the pulses of each sampling
 * interval into L/min; the running total is kept in the journal's key-value store.
 */
export function pulseChannel(o: { io: DigitalIo; sensor: PulseSensor; kv: KeyValueStore; now: () => number }): Channel & { totalLitres(): number } {
  const { io, sensor, kv } = o;
  const key = `pulses:${sensor.id}`;
  let edges = 0;
  let level = 0;
  let first = true;
  const startedAtMs = o.now();
  io.pinMode(sensor.pin, io.MODES.INPUT);
  io.digitalRead(sensor.pin, (value) => {
    if (value && !level) edges++;
    level = value;
  });
  const load = (): PulseCounterState | undefined => {
    const stored = kv.get(key);
    return stored ? (JSON.parse(stored) as PulseCounterState) : undefined;
  };
  return {
    sensor,
    totalLitres: () => (load()?.totalPulses ?? 0) / sensor.pulsesPerLitre,
    read(nowMs): Sample {
      let previous = load();
      // This process counts from 0 since it started: the first interval is measured from then,
      // and the total carries on from what an earlier run persisted.
      if (first) previous = { totalPulses: previous?.totalPulses ?? 0, lastPulses: 0, atMs: startedAtMs };
      first = false;
      const step = countPulses(previous, edges, nowMs);
      kv.set(key, JSON.stringify(step.state));
      const value = litresPerMinute(step.pulses, step.intervalMs, sensor.pulsesPerLitre);
      return checkRange({ sensor: sensor.id, value, unit: "L/min", quality: "good" }, sensor.range, sensor.hint);
    },
  };
}
