import { describe, expect, it } from "vitest";
import { SeqRangeSet, toRanges } from "../../protocol/seq-ranges.ts";

describe("sequence ranges", () => {
  it("merges ascending numbers into inclusive ranges", () => {
    expect(toRanges([1, 2, 3, 5, 7, 8])).toEqual([[1, 3], [5, 5], [7, 8]]);
    expect(toRanges([])).toEqual([]);
  });

  it("sorts and deduplicates numbers that arrive out of order or twice", () => {
    expect(toRanges([8, 2, 1, 2, 7, 3, 5])).toEqual([[1, 3], [5, 5], [7, 8]]);
    expect(toRanges(new Set([4, 3]))).toEqual([[3, 4]]);
  });

  it("remembers stored ranges, merging neighbours", () => {
    const set = new SeqRangeSet();
    set.add(1, 3);
    set.add(7, 9);
    set.add(4, 6);
    expect(set.toArray()).toEqual([[1, 9]]);
    expect(set.has(5)).toBe(true);
    expect(set.has(10)).toBe(false);
  });
});

describe("a set of sequence ranges against a plain Set", () => {
  it("agrees through random adds and deletes, and keeps its ranges sorted, apart and merged", () => {
    let state = 7;
    const random = (n: number) => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const set = new SeqRangeSet();
    const plain = new Set<number>();
    for (let step = 0; step < 3000; step++) {
      const from = 1 + random(200);
      const to = from + random(step % 3 === 0 ? 1 : 12);
      if (step % 4 === 3) {
        set.delete(from, to);
        for (let s = from; s <= to; s++) plain.delete(s);
      } else {
        set.add(from, to);
        for (let s = from; s <= to; s++) plain.add(s);
      }
      const ranges = set.toArray();
      expect(ranges).toEqual(toRanges([...plain].sort((a, b) => a - b)));
      for (let s = 0; s <= 215; s += 1 + random(5)) expect(set.has(s)).toBe(plain.has(s));
    }
  });

  it("deletes from the middle of a range by splitting it, and past its ends by trimming it", () => {
    const set = new SeqRangeSet();
    set.add(1, 10);
    set.add(20, 30);
    set.delete(4, 6);
    expect(set.toArray()).toEqual([[1, 3], [7, 10], [20, 30]]);
    set.delete(9, 25);
    expect(set.toArray()).toEqual([[1, 3], [7, 8], [26, 30]]);
    set.delete(0, 100);
    expect(set.toArray()).toEqual([]);
  });
});
