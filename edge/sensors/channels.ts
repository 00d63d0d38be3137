// Binds each sensor of a board definition to a johnny-five component and turns its raw value into
// a calibrated, plausibility-checked Sample.
import five from "johnny-five";
import type { BoardDefinition, SensorDefinition } from "../board/schema.ts";
import { analogLinear, railWarning } from "../drivers/analog-linear.ts";
import { digitalLevel } from "../drivers/digital-input.ts";
import { integrateSoc, type CoulombCounterState } from "../drivers/coulomb-soc.ts";
import { checkRange, invalidSample, type Sample } from "./sample.ts";

export interface KeyValueStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export interface Channel {
  readonly sensor: SensorDefinition;
  read(nowMs: number, previous: ReadonlyMap<string, Sample>): Sample;
}

function rawOf(component: five.Sensor): number | null {
  // @types/johnny-five lacks `raw`; it is null until the first report arrives.
  const raw = (component as unknown as { raw: number | null }).raw;
  return typeof raw === "number" ? raw : null;
}

function buildChannel(board: five.Board, sensor: SensorDefinition, kv: KeyValueStore): Channel {
  const noData = (s: SensorDefinition) => invalidSample(s.id, s.unit, "no data from the board yet: check the wiring");
  switch (sensor.driver) {
    case "analog-linear": {
      const component = new five.Sensor({ pin: sensor.pin, board, freq: 1000 });
      const map = analogLinear(sensor.calibration);
      return {
        sensor,
        read() {
          const raw = rawOf(component);
          if (raw === null) return noData(sensor);
          const rail = railWarning(raw);
          if (rail) return invalidSample(sensor.id, sensor.unit, rail);
          const value = map.toValue(raw);
          return checkRange({ sensor: sensor.id, value, unit: sensor.unit, quality: "good" }, sensor.range, sensor.hint);
        },
      };
    }
    case "digital-input": {
      const component = new five.Sensor({ pin: sensor.pin, type: "digital", board, freq: 1000 });
      return {
        sensor,
        read() {
          const raw = rawOf(component);
          if (raw === null) return noData(sensor);
          return { sensor: sensor.id, value: digitalLevel(raw, sensor.activeLow), unit: "bool", quality: "good" };
        },
      };
    }
    case "coulomb-soc": {
      const key = `coulomb:${sensor.id}`;
      return {
        sensor,
        read(nowMs, previous) {
          const stored = kv.get(key);
          let state: CoulombCounterState = stored ? JSON.parse(stored) : { socPct: sensor.initialPct, atMs: nowMs };
          const current = previous.get(sensor.source);
          if (!current || current.value === null) {
            return invalidSample(sensor.id, "%", `no valid current from ${sensor.source}: the count is paused`);
          }
          state = integrateSoc(state, current.value, nowMs, sensor.capacityAh);
          kv.set(key, JSON.stringify(state));
          return checkRange({ sensor: sensor.id, value: state.socPct, unit: "%", quality: "good" }, sensor.range, sensor.hint);
        },
      };
    }
  }
}

/** Channels in declaration order, with derived sensors after the sensors they read. */
export function buildChannels(board: five.Board, def: BoardDefinition, kv: KeyValueStore): Channel[] {
  const direct = def.sensors.filter((s) => s.driver !== "coulomb-soc");
  const derived = def.sensors.filter((s) => s.driver === "coulomb-soc");
  return [...direct, ...derived].map((s) => buildChannel(board, s, kv));
}

export function sampleAll(channels: Channel[], nowMs: number): Sample[] {
  const taken = new Map<string, Sample>();
  for (const channel of channels) {
    let sample: Sample;
    try {
      sample = channel.read(nowMs, taken);
    } catch (err) {
      sample = invalidSample(channel.sensor.id, channel.sensor.unit, `driver failed: ${(err as Error).message}`);
    }
    taken.set(channel.sensor.id, sample);
  }
  return [...taken.values()];
}
