// Days on the road come from the route (issue: figures and aid requests that follow the village's
// real position): with three days of road and the hub keeping back one day of the donors' draw,
// the drought drill pushed a donor below its own target.
import { describe, expect, it } from "vitest";
import { runDrill } from "../../../simulation/drill/run-drill.ts";
import { loadScenarioFile, parseScenario } from "../../../simulation/drill/scenario.ts";
import { problemsOf } from "../../helpers/problems-of.ts";

describe("drills with days on the road", () => {
  it("three days of road in the drought: donors keep three days of their draw, none ends below its target", () => {
    const scenario = loadScenarioFile("simulation/drill/scenarios/drought.yaml");
    scenario.transitDays = 3;
    const report = runDrill(scenario);
    expect(report.donorsBelowTarget).toEqual([]);
    // What they could not give is shown as uncovered, not hidden.
    expect(report.unmetNeed.some((n) => n.resource === "water" && n.uncovered > 0)).toBe(true);
  });

  it("routes of their own: every neighbour two and a half days away but one close by", () => {
    const scenario = loadScenarioFile("simulation/drill/scenarios/storm.yaml");
    scenario.transitDays = 2.5;
    scenario.routes = [{ between: ["hillside", "riverbend"], days: 1 }];
    const report = runDrill(scenario);
    const arrived = report.transfers.filter((t) => t.arrivedDay !== null);
    expect(arrived.some((t) => t.from === "hillside") && arrived.some((t) => t.from !== "hillside")).toBe(true);
    // On the road from when it left (the storm's donors load for dispatchDelayHours first).
    for (const t of arrived) expect(t.arrivedDay! - t.dispatchedDay!, t.id).toBeCloseTo(t.from === "hillside" ? 1 : 2.5, 1);
    for (const t of arrived) expect(t.dispatchedDay! - t.proposedDay, t.id).toBeCloseTo(scenario.dispatchDelayHours / 24, 1);
    expect(report.donorsBelowTarget).toEqual([]);
  });

  it("refuses a route to a village the drill does not have, naming the field", () => {
    expect(problemsOf("CS_ERR_SCENARIO_INVALID", () => parseScenario({ name: "x", days: 2, villages: [{ id: "a" }, { id: "b" }], routes: [{ between: ["a", "zed"], days: 2 }] }, "x.yaml")))
      .toEqual(['x.yaml: routes[0].between[1]: "zed" is not in villages']);
  });
});
