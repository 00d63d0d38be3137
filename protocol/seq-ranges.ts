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
    const merged: SeqRange[] = [];
    let placed = false;
    let cur: SeqRange = [from, to];
    for (const r of this.ranges) {
      if (r[1] + 1 < cur[0]) merged.push(r);
      else if (cur[1] + 1 < r[0]) {
        if (!placed) merged.push(cur);
        placed = true;
        merged.push(r);
      } else cur = [Math.min(r[0], cur[0]), Math.max(r[1], cur[1])];
    }
    if (!placed) merged.push(cur);
    this.ranges = merged;
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
