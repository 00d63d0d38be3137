// The blackout drill: Hillside's inverter fails on day 1 and is replaced on day 6. Power cannot be
// sent between villages, so what the village asks for is generator fuel: once the battery would run
// out within a day even with the sun as it has been, withdrawn once the battery is back, with no
// one at a screen; the neighbours, whose sun is fine, ask for nothing. Ashford's inverter-charger
// dies outright: nothing charges its battery for a day, so it asks for a loaned one too.
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
    expect(new Set(fuel.map((r) => r.village))).toEqual(new Set(["hillside", "ashford"]));
    const opened = fuel.find((r) => r.village === "hillside" && r.status === "open")!;
    expect(opened.day).toBeGreaterThan(1);
    expect(opened.day).toBeLessThan(2.5);
    expect(opened.unit).toBe("L");
    expect(opened.amount).toBeGreaterThan(0);
    const withdrawn = fuel.find((r) => r.village === "hillside" && r.status === "withdrawn")!;
    expect(withdrawn.day).toBeGreaterThan(6);
    expect(withdrawn.day).toBeLessThan(8);
  });

  it("Ashford, whose inverter-charger died, asks for a loaned one a day after the last charge; Millbrook's spare goes, and the sun charges the battery again", () => {
    const power = report.aidRequests.filter((r) => r.resource === "power");
    expect(power.map((r) => [r.village, r.status, r.amount, r.unit])).toEqual([["ashford", "open", 1, "kits"], ["ashford", "fulfilled", 1, "kits"]]);
    // The last charge was the evening before the failure (day 0.75); 26 h on.
    expect(power[0].day).toBeGreaterThan(1.8);
    expect(power[0].day).toBeLessThan(1.9);
    const [lent] = report.transfers.filter((t) => t.resource === "power");
    expect(lent).toMatchObject({ from: "millbrook", to: "ashford", amount: 1, unit: "kits" });
    expect(lent.arrivedDay).toBeLessThan(power[1].day + 0.05);
    const alerts = (kind: string) => report.timeline.filter((t) => t.village === "ashford" && t.kind === kind && t.text.includes("Nothing has charged the battery for over a day"));
    expect(alerts("alert-raised")).toHaveLength(1);
    // Cleared with the first sun on the lent inverter-charger: the next morning after it arrived.
    const [cleared] = alerts("alert-cleared");
    expect(cleared.day).toBeGreaterThan(lent.arrivedDay!);
    expect(cleared.day).toBeLessThan(lent.arrivedDay! + 1);
    expect(report.timeline.filter((t) => t.village !== "ashford" && t.text.includes("Nothing has charged the battery")), "Hillside's 10 % still charges").toEqual([]);
  });

  it("never shows power's days left as 999", () => {
    for (const s of report.series) for (const [k, v] of Object.entries(s)) if (k !== "day") expect(v, k).not.toBe(999);
  });
});
