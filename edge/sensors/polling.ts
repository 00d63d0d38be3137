// What the bus channels share: a poll that runs now and then on a timer of its own, and the
// latest raw value with its time, fresh only for so long (an old value is never published as now).
export function pollEvery(intervalMs: number, poll: () => void): () => void {
  poll();
  const timer = setInterval(poll, intervalMs);
  timer.unref(); // polling alone does not keep an agent's process alive
  return () => clearInterval(timer);
}

export class Latest<T> {
  private value: { raw: T; atMs: number } | undefined;

  set(raw: T, atMs: number): void {
    this.value = { raw, atMs };
  }

  /** The value if it is at most maxAgeMs old, else undefined. */
  fresh(nowMs: number, maxAgeMs: number): T | undefined {
    return this.value && nowMs - this.value.atMs <= maxAgeMs ? this.value.raw : undefined;
  }
}
