// Board-file filters: smoothing, and implausible values published invalid with what to check.
import { describe, expect, it } from "vitest";
import { filterChain } from "../../../edge/sensors/filters.ts";
import type { Sample } from "../../../edge/sensors/sample.ts";

const good = (value: number): Sample => ({ sensor: "tank", value, unit: "L", quality: "good" });
const run = (chain: ReturnType<typeof filterChain>, values: number[], stepMs = 10_000) => values.map((v, i) => chain(good(v), i * stepMs));

describe("sensor filters", () => {
  it("median drops a single spike; moving average smooths", () => {
    expect(run(filterChain([{ median: 3 }], undefined), [100, 102, 900, 101, 103]).map((s) => s.value)).toEqual([100, 101, 102, 102, 103]);
    expect(run(filterChain([{ movingAverage: 2 }], undefined), [100, 102, 104]).map((s) => s.value)).toEqual([100, 101, 103]);
  });

  it("maxRate marks an impossible jump invalid with a warning, and accepts a change that persists", () => {
    const out = run(filterChain([{ maxRate: { change: 100, per: "1m", confirmAfter: 3 } }], "check the float's cable"), [5000, 5010, 9000, 5020, 9000, 9000, 9000]);
    expect(out.map((s) => s.quality)).toEqual(["good", "good", "invalid", "good", "invalid", "invalid", "good"]);
    expect(out[2]).toEqual({ sensor: "tank", value: null, unit: "L", quality: "invalid", warning: "jumped by 3990 L in 10 s, faster than 100 L per 1m is possible: check the float's cable" });
  });

  it("stuck marks a value that has not moved for the declared time", () => {
    const chain = filterChain([{ stuck: { for: "1h", tolerance: 0.5 } }], undefined);
    const out = [0, 30, 59, 60, 61].map((min, i) => chain(good(i === 4 ? 1200 : 1000 + (i % 2) * 0.2), min * 60_000));
    expect(out.map((s) => s.quality)).toEqual(["good", "good", "good", "invalid", "good"]);
    expect(out[3].warning).toMatch(/without change for 1h: a frozen sensor or a stuck float/);
  });

  it("runs in the declared order and leaves invalid readings alone", () => {
    const chain = filterChain([{ median: 3 }, { maxRate: { change: 10, per: "10s" } }], undefined);
    expect(chain({ sensor: "tank", value: null, unit: "L", quality: "invalid", warning: "no data" }, 0)).toMatchObject({ quality: "invalid", warning: "no data" });
    expect(run(chain, [100, 105, 500]).map((s) => s.value)).toEqual([100, 102.5, 105]); // the spike never reaches maxRate
  });
});
