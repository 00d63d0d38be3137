import { describe, expect, it } from "vitest";
import { VillageModel, villageCapacities } from "../../../../edge/io/simulated/village-model.ts";

const MIDNIGHT = Date.UTC(2026, 5, 1, 0, 0, 0);
const HOUR = 3_600_000;

describe("village model", () => {
  it("drains the tanks through the day and the pump refills them from the cistern", () => {
    const m = new VillageModel({ startMs: MIDNIGHT });
    const start = m.signal("water.tankNorth.litres") + m.signal("water.tankSouth.litres");
    let pumped = false;
    let lowest = Infinity;
    for (let h = 1; h <= 72; h++) {
      m.advanceTo(MIDNIGHT + h * HOUR);
      pumped ||= m.signal("water.pump.running") === 1;
      lowest = Math.min(lowest, m.signal("water.tankNorth.litres"));
    }
    expect(lowest).toBeLessThan(start / 2);
    expect(pumped).toBe(true);
    expect(lowest).toBeGreaterThan(0.2 * villageCapacities.tankLitres);
  });

  it("charges the battery by day and discharges it by night", () => {
    const m = new VillageModel({ startMs: MIDNIGHT });
    m.advanceTo(MIDNIGHT + 3 * HOUR);
    expect(m.signal("power.solar.watts")).toBe(0);
    expect(m.signal("power.battery.amps")).toBeLessThan(0);
    m.advanceTo(MIDNIGHT + 10 * HOUR);
    expect(m.signal("power.solar.watts")).toBeGreaterThan(1000);
  });

  it("draws pantry staples down at meals only", () => {
    const m = new VillageModel({ startMs: MIDNIGHT });
    m.advanceTo(MIDNIGHT + 5 * HOUR);
    const beforeBreakfast = m.signal("pantry.grain.kg");
    m.advanceTo(MIDNIGHT + 6 * HOUR);
    expect(m.signal("pantry.grain.kg")).toBe(beforeBreakfast);
    m.advanceTo(MIDNIGHT + 24 * HOUR);
    // 180 people x 0.25 kg a day
    expect(beforeBreakfast - m.signal("pantry.grain.kg")).toBeCloseTo(45, 0);
  });
});
