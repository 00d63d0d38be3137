// Hall-effect pulse flow meter (YF-S201 type: F[Hz] = 7.5 x Q[L/min], i.e. 450 pulses per litre).
// Flow is pulses over the sampling interval; the running total is kept with the journal so a
// restart does not reset the count of water that went through the main.
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
