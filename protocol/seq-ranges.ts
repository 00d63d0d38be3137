// Sets of sequence numbers as sorted, merged inclusive ranges: acknowledgements travel this way,
// and the gateway remembers what it has stored in a few ranges instead of millions of numbers.
export type SeqRange = [number, number];

export function toRanges(seqs: Iterable<number>): SeqRange[] {
  const list = Array.isArray(seqs) ? (seqs as number[]) : [...seqs];
  // An acknowledgement's numbers usually arrive ascending already: sorting them was most of the cost.
  let ascending = true;
  for (let i = 1; i < list.length && ascending; i++) ascending = list[i] > list[i - 1];
  const sorted = ascending ? list : [...new Set(list)].sort((a, b) => a - b);
  const ranges: SeqRange[] = [];
  for (const s of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else ranges.push([s, s]);
  }
  return ranges;
}

export class SeqRangeSet {
  private ranges: SeqRange[] = [];

  has(seq: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = this.ranges[mid];
      if (seq < a) hi = mid - 1;
      else if (seq > b) lo = mid + 1;
      else return true;
    }
    return false;
  }

  add(from: number, to: number = from): void {
    // The ranges that touch [from, to] or border it are merged into one, in place: a set whose
    // numbers arrive ragged holds many ranges, and rebuilding it for each one added was quadratic.
    const first = this.firstEndingAtOrAbove(from - 1);
    let last = first;
    while (last < this.ranges.length && this.ranges[last][0] <= to + 1) last++;
    if (last > first) {
      from = Math.min(from, this.ranges[first][0]);
      to = Math.max(to, this.ranges[last - 1][1]);
    }
    this.ranges.splice(first, last - first, [from, to]);
  }

  /** Removes [from, to]: a number taken out of a range splits it. */
  delete(from: number, to: number = from): void {
    const first = this.firstEndingAtOrAbove(from);
    let last = first;
    while (last < this.ranges.length && this.ranges[last][0] <= to) last++;
    if (last === first) return;
    const kept: SeqRange[] = [];
    if (this.ranges[first][0] < from) kept.push([this.ranges[first][0], from - 1]);
    if (this.ranges[last - 1][1] > to) kept.push([to + 1, this.ranges[last - 1][1]]);
    this.ranges.splice(first, last - first, ...kept);
  }

  /** The index of the first range that ends at or above seq (the ranges' count if none does). */
  private firstEndingAtOrAbove(seq: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid][1] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forgets everything below seq so a long-lived set stays small. */
  forgetBelow(seq: number): void {
    this.ranges = this.ranges.filter((r) => r[1] >= seq).map((r) => [Math.max(r[0], seq), r[1]] as SeqRange);
  }

  get size(): number {
    return this.ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  }

  toArray(): SeqRange[] {
    return this.ranges.map((r) => [r[0], r[1]]);
  }
}
