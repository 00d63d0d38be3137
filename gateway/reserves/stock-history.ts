// A domain's total stock over a trailing window, in 10-minute buckets (bucket means damp sensor
// noise). Decreases between buckets are consumption, increases are refills and deliveries; while
// both happen at once only the net shows, which is why water also uses the flow meter on the main.
const BUCKET_MS = 10 * 60_000;

export function sameBucket(aMs: number, bMs: number): boolean {
  return Math.floor(aMs / BUCKET_MS) === Math.floor(bMs / BUCKET_MS);
}

interface Bucket {
  startMs: number;
  sum: number;
  n: number;
}

export interface Rates {
  /** Units per day taken out of the stock. */
  consumptionPerDay: number;
  /** Units per day put in (refills, deliveries, springs). */
  inflowPerDay: number;
  /** Discrete removals per day: transfers out, losses. */
  removedPerDay: number;
  /** Net change per day, first bucket to last (negative when the stock falls). */
  netChangePerDay: number;
  /** Mean of the bucket means: for a rate signal such as a flow meter, its average. */
  mean: number;
  /** How much history the rates rest on, ms. */
  spanMs: number;
}

export class StockHistory {
  private readonly buckets: Bucket[] = [];
  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  add(tsMs: number, total: number): void {
    const startMs = Math.floor(tsMs / BUCKET_MS) * BUCKET_MS;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.startMs === startMs) {
      last.sum += total;
      last.n++;
    } else if (!last || startMs > last.startMs) {
      this.buckets.push({ startMs, sum: total, n: 1 });
    } else return; // late readings from a replay do not rewrite history already measured
    while (this.buckets.length > 2 && this.buckets[0].startMs < startMs - this.windowMs) this.buckets.shift();
  }

  rates(): Rates | undefined {
    if (this.buckets.length < 2) return undefined;
    const deltas: number[] = [];
    for (let i = 1; i < this.buckets.length; i++) {
      deltas.push(this.buckets[i].sum / this.buckets[i].n - this.buckets[i - 1].sum / this.buckets[i - 1].n);
    }
    // A drop far beyond the usual draw is a discrete removal (a transfer loaded onto a cart, a
    // burst tank), not consumption: it lowers the stock but does not speed up the measured draw.
    const drops = deltas.filter((d) => d < 0).map((d) => -d).sort((a, b) => a - b);
    const typical = drops.length >= 6 ? drops[Math.floor(drops.length / 2)] : Infinity;
    let down = 0;
    let up = 0;
    let removed = 0;
    deltas.forEach((delta, i) => {
      const before = this.buckets[i].sum / this.buckets[i].n;
      // 2 % of a stock in ten minutes is days of ordinary draw at once.
      if (delta >= 0) up += delta;
      else if (-delta > 10 * typical || -delta > 0.02 * before) removed -= delta;
      else down -= delta;
    });
    const spanMs = this.buckets[this.buckets.length - 1].startMs - this.buckets[0].startMs;
    const days = spanMs / 86_400_000;
    const means = this.buckets.map((b) => b.sum / b.n);
    const mean = means.reduce((a, b) => a + b, 0) / means.length;
    return { consumptionPerDay: down / days, inflowPerDay: up / days, removedPerDay: removed / days, netChangePerDay: (means[means.length - 1] - means[0]) / days, mean, spanMs };
  }
}
