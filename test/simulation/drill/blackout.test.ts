// The blackout drill: Hillside's inverter fails on day 1 and is replaced on day 6. Power cannot be
// sent between villages, so what the village asks for is generator fuel: once the battery would run
// out within a day even with the sun as it has been, withdrawn once the battery is back, with no
// one at a screen; the neighbours, whose sun is fine, ask for nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { runDrill, type DrillReport } from "../../../simulation/drill/run-drill.ts";
import { loadScenarioFile } from "../../../simulation/drill/scenario.ts";

describe("drill: blackout", () => {
  let report: DrillReport;
  beforeAll(() => {
    report = runDrill(loadScenarioFile("simulation/drill/scenarios/blackout.yaml"));
  }, 60_000);

  it("Hillside asks for generator fuel while the inverter is down, and withdraws it once the battery is back", () => {
    const fuel = report.aidRequests.filter((r) => r.resource === "fuel");
    expect(new Set(fuel.map((r) => r.village))).toEqual(new Set(["hillside"]));
    const opened = fuel.find((r) => r.status === "open")!;
    expect(opened.day).toBeGreaterThan(1);
    expect(opened.day).toBeLessThan(2.5);
    expect(opened.unit).toBe("L");
    expect(opened.amount).toBeGreaterThan(0);
    const withdrawn = fuel.find((r) => r.status === "withdrawn")!;
    expect(withdrawn.day).toBeGreaterThan(6);
    expect(withdrawn.day).toBeLessThan(8);
  });

  it("never shows power's days left as 999", () => {
    for (const s of report.series) for (const [k, v] of Object.entries(s)) if (k !== "day") expect(v, k).not.toBe(999);
  });
});
