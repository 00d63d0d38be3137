// A Raspberry Pi has no real-time clock: until NTP (or the gateway) sets it, Date.now() is near
// 1970 or the last shutdown. Readings taken then are kept with their monotonic time and corrected.

/** Any wall clock before this is taken as "not set yet". */
export const CLOCK_VALID_AFTER_MS = Date.UTC(2025, 0, 1);

export interface Clock {
  /** Wall clock, epoch ms. */
  now(): number;
  /** Monotonic ms since this process started; never jumps when the wall clock is set. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
};

export function isClockSet(clock: Clock): boolean {
  return isSetTime(clock.now());
}

/** Whether a wall-clock reading comes from a clock that has been set. */
export function isSetTime(wallMs: number): boolean {
  return wallMs >= CLOCK_VALID_AFTER_MS;
}
