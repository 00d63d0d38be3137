// A pulse flow meter on a digital pin: counts rising edges from the IO plugin's digital reports
// and turns the pulses of each sampling interval into L/min. The running total of litres is kept
// in the journal's key-value store, so a restart does not forget the water that went through.
import { countPulses, litresPerMinute, type PulseCounterState } from "../drivers/pulse-flow.ts";
import type { DigitalIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, type Sample } from "./sample.ts";
import type { Channel, KeyValueStore } from "./channels.ts";

type PulseSensor = Extract<SensorDefinition, { driver: "pulse-flow" }>;

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
