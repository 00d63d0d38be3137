import { describe, expect, it } from "vitest";
import { analogLinear, railWarning } from "../../../edge/drivers/analog-linear.ts";
import { analogLinearSchema } from "../../../protocol/board/schema.ts";
import { digitalLevel } from "../../../edge/drivers/digital-input.ts";
import { integrateSoc } from "../../../edge/drivers/coulomb-soc.ts";
import { checkRange } from "../../../edge/sensors/sample.ts";

describe("analog-linear driver: ADC counts in, real units out", () => {
  it("turns a hydrostatic transducer's counts into litres (0.5 V empty, 4.5 V = 10,000 L)", () => {
    const tank = analogLinear({ counts: [102, 921], values: [0, 10000] });
    expect(tank.toValue(102)).toBe(0);
    expect(tank.toValue(921)).toBe(10000);
    expect(tank.toValue(511.5)).toBeCloseTo(5000, 6);
    expect(tank.toCounts(5000)).toBeCloseTo(511.5, 6);
  });

  it("handles falling calibrations such as a capacitive soil probe (dry 620, wet 290)", () => {
    const bed = analogLinear({ counts: [620, 290], values: [0, 100] });
    expect(bed.toValue(620)).toBe(0);
    expect(bed.toValue(290)).toBe(100);
    expect(bed.toValue(455)).toBeCloseTo(50, 6);
  });

  it("reads a bidirectional hall sensor as signed amps (2.5 V = 0 A, 40 mV/A)", () => {
    const amps = analogLinear({ counts: [512, 921], values: [0, 100] });
    expect(amps.toValue(512)).toBe(0);
    expect(amps.toValue(307)).toBeCloseTo(-50.12, 2);
  });

  it("reads a sensor that is not linear through more points, piecewise, and back", () => {
    // A transducer in a horizontal tank, calibrated with a bucket at four fill levels.
    const tank = analogLinear({ counts: [102, 300, 600, 921], values: [0, 1000, 4500, 10000] });
    expect(tank.toValue(201)).toBeCloseTo(500, 6);
    expect(tank.toValue(450)).toBeCloseTo(2750, 6);
    expect(tank.toValue(760.5)).toBeCloseTo(7250, 6);
    expect(tank.toCounts(2750)).toBeCloseTo(450, 6);
    expect(tank.toCounts(7250)).toBeCloseTo(760.5, 6);
    // Beyond the points, along the end segments (the range check decides what is plausible).
    expect(tank.toValue(1000)).toBeCloseTo(10000 + 79 * (5500 / 321), 6);
    expect(tank.toValue(50)).toBeCloseTo(-52 * (1000 / 198), 6);
  });

  it("refuses calibrations that cannot be read back: counts not rising, values not monotonic, lengths apart", () => {
    const problem = (calibration: unknown) => {
      const r = analogLinearSchema.shape.calibration.safeParse(calibration);
      return r.success ? undefined : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    };
    expect(problem({ counts: [102, 600, 300], values: [0, 1, 2] })).toMatch(/^counts: the counts must differ/);
    expect(problem({ counts: [102, 300, 600], values: [0, 5, 2] })).toMatch(/^values: the values must all rise or all fall/);
    expect(problem({ counts: [102, 300, 600], values: [0, 5] })).toMatch(/^values: as many values as counts/);
    expect(problem({ counts: [500, 500], values: [0, 5] })).toMatch(/counts must differ/);
    expect(problem({ counts: [620, 290], values: [0, 100] })).toBeUndefined(); // two points in either order
  });

  it("flags counts pinned to a rail as a wiring fault", () => {
    expect(railWarning(0)).toMatch(/check the sensor cable/);
    expect(railWarning(1023)).toMatch(/short/);
    expect(railWarning(500)).toBeUndefined();
  });

  it("publishes an out-of-range value as invalid with the hint, never clamped", () => {
    const s = checkRange({ sensor: "tank", value: 12034, unit: "L", quality: "good" }, [0, 10500], "check the float cable");
    expect(s).toEqual({ sensor: "tank", value: null, unit: "L", quality: "invalid", warning: "12034 L is outside 0..10500 L: check the float cable" });
  });
});

describe("digital-input and coulomb-soc drivers", () => {
  it("inverts active-low inputs", () => {
    expect(digitalLevel(0, true)).toBe(1);
    expect(digitalLevel(1, true)).toBe(0);
    expect(digitalLevel(1, false)).toBe(1);
  });

  it("counts 40 A for 1 h into a 400 Ah bank as +10 % and clamps at full", () => {
    const after = integrateSoc({ socPct: 50, atMs: 0 }, 40, 3_600_000, 400);
    expect(after.socPct).toBeCloseTo(60, 9);
    expect(integrateSoc({ socPct: 99, atMs: 0 }, 40, 3_600_000, 400).socPct).toBe(100);
  });
});
