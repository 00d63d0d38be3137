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
