// State of charge by coulomb counting: integrates battery current (positive = charging) over time.
// SoC% += I[A] * dt[h] / capacity[Ah] * 100. The count survives restarts through the journal's
// key-value store, so a reboot does not reset the battery to its initial guess.
import type { Driver } from "../sensors/channel.ts";
import { checkRange, invalidSample } from "../sensors/sample.ts";

export interface CoulombCounterState {
  socPct: number;
  atMs: number;
}

export function integrateSoc(state: CoulombCounterState, amps: number, nowMs: number, capacityAh: number): CoulombCounterState {
  const hours = Math.max(0, nowMs - state.atMs) / 3_600_000;
  const socPct = Math.min(100, Math.max(0, state.socPct + (amps * hours * 100) / capacityAh));
  return { socPct, atMs: nowMs };
}

/** Reads the current sensor it names (`source`), taken earlier in the same round. */
export const coulombSocDriver: Driver<"coulomb-soc"> = (sensor, ctx) => {
  const key = `coulomb:${sensor.id}`;
  return {
    sensor,
    read(nowMs, previous) {
      const stored = ctx.kv.get(key);
      let state: CoulombCounterState = stored ? JSON.parse(stored) : { socPct: sensor.initialPct, atMs: nowMs };
      const current = previous.get(sensor.source);
      if (!current || current.value === null) {
        return invalidSample(sensor.id, "%", `no valid current from ${sensor.source}: the count is paused`);
      }
      state = integrateSoc(state, current.value, nowMs, sensor.capacityAh);
      ctx.kv.set(key, JSON.stringify(state));
      return checkRange({ sensor: sensor.id, value: state.socPct, unit: "%", quality: "good" }, sensor.range, sensor.hint);
    },
  };
};
