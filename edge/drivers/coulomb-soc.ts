// State of charge by coulomb counting: integrates battery current (positive = charging) over time.
// SoC% += I[A] * dt[h] / capacity[Ah] * 100. The count survives restarts through the journal's
// key-value store, so a reboot does not reset the battery to its initial guess.
export interface CoulombCounterState {
  socPct: number;
  atMs: number;
}

export function integrateSoc(state: CoulombCounterState, amps: number, nowMs: number, capacityAh: number): CoulombCounterState {
  const hours = Math.max(0, nowMs - state.atMs) / 3_600_000;
  const socPct = Math.min(100, Math.max(0, state.socPct + (amps * hours * 100) / capacityAh));
  return { socPct, atMs: nowMs };
}
