// The reference crisis, asserted (FIELD.md, issue: reserves and triggers).
import { beforeAll, describe, expect, it } from "vitest";
import { runDrill, type DrillReport } from "../../../simulation/drill/run-drill.ts";
import { loadScenarioFile, parseScenario } from "../../../simulation/drill/scenario.ts";
import { problemsOf } from "../../helpers/problems-of.ts";
import { readdirSync } from "node:fs";

describe("the storm drill", () => {
  let report: DrillReport;
  beforeAll(() => {
    report = runDrill(loadScenarioFile("simulation/drill/scenarios/storm.yaml"));
  });

  const requestsOf = (resource: string) => report.aidRequests.filter((r) => r.village === "riverbend" && r.resource === resource);

  it("sends the water and the food requests once each, updates them as the need grows, withdraws them after recovery", () => {
    for (const resource of ["water", "food"]) {
      const versions = requestsOf(resource);
      const ids = new Set(versions.map((v) => v.id));
      expect(ids.size, `${resource}: one need, one id`).toBe(1);
      expect(versions.filter((v) => v.status === "open"), `${resource}: opened once`).toHaveLength(1);
      expect(versions.map((v) => v.version), `${resource}: each version once, in order`).toEqual(versions.map((_, i) => i + 1));
      const updates = versions.filter((v) => v.status === "updated");
      expect(updates.length, `${resource}: updated as the need grew`).toBeGreaterThan(0);
      for (let i = 1; i < updates.length; i++) expect(updates[i].amount).toBeGreaterThan(updates[i - 1].amount);
      expect(versions[versions.length - 1].status, `${resource}: withdrawn at the end`).toBe("withdrawn");
    }
  });

  it("asks for help on day 0-1 and recovers: water withdrawn once transfers arrive, food after replanting", () => {
    expect(requestsOf("water")[0].day).toBeLessThan(1.5);
    expect(requestsOf("food")[0].day).toBeLessThan(1.5);
    const foodWithdrawn = requestsOf("food").find((v) => v.status === "withdrawn")!;
    expect(foodWithdrawn.day).toBeGreaterThanOrEqual(11);
    // The village's own timeline says so on the same days: its notifications are not held back.
    const notes = report.timeline.filter((t) => t.village === "riverbend" && t.kind === "aid-open");
    expect(notes.length).toBeGreaterThan(0);
    expect(notes[0].day).toBeLessThan(1.5);
  });

  it("has the hub propose transfers that cover the deficit, from neighbours, without pushing a donor below target", () => {
    for (const resource of ["water", "food"]) {
      const opened = requestsOf(resource).find((v) => v.status === "open")!;
      const given = report.transfers.filter((t) => t.to === "riverbend" && t.resource === resource).reduce((n, t) => n + t.amount, 0);
      expect(given, `${resource} transfers cover the first request`).toBeGreaterThanOrEqual(opened.amount);
      // What is proposed against each version of a need never exceeds what that version asked.
      for (const v of requestsOf(resource)) {
        const forVersion = report.transfers.filter((t) => t.id.startsWith(`${v.id}@${v.version}>`)).reduce((n, t) => n + t.amount, 0);
        expect(forVersion, `${v.id} version ${v.version}`).toBeLessThanOrEqual(v.amount);
      }
    }
    expect(report.transfers.every((t) => t.from !== "riverbend")).toBe(true);
    expect(report.transfers.every((t) => t.arrivedDay !== null && t.arrivedDay - t.proposedDay >= 0.99)).toBe(true);
    expect(report.donorsBelowTarget).toEqual([]);
    const donorWater = report.series.filter((s) => s.village !== "riverbend" && s.water !== null);
    expect(Math.min(...donorWater.map((s) => s.water!))).toBeGreaterThan(5);
  });

  it("records days left per village per domain over the drill", () => {
    const riverbend = report.series.filter((s) => s.village === "riverbend");
    expect(riverbend.length).toBeGreaterThanOrEqual(14 * 4);
    expect(new Set(report.series.map((s) => s.village)).size).toBe(7);
    const minWater = Math.min(...riverbend.map((s) => s.water ?? Infinity));
    expect(minWater).toBeLessThan(3);
  });
});

describe("drill scenarios", () => {
  it("ships storm, blackout, drought, supply-collapse, region-drought and sensor-faults, each valid", () => {
    const names = readdirSync("simulation/drill/scenarios").map((f) => f.replace(/\.yaml$/, "")).sort();
    expect(names).toEqual(["blackout", "drought", "region-drought", "sensor-faults", "storm", "supply-collapse"]);
    for (const n of names) expect(loadScenarioFile(`simulation/drill/scenarios/${n}.yaml`).name).toBe(n);
  });

  it("rejects an unknown domain and an unknown village naming file and field", () => {
    const bad = (events: unknown[]) => () => parseScenario({ name: "bad", days: 3, villages: [{ id: "a" }, { id: "b" }], events }, "bad.yaml");
    expect(problemsOf("CS_ERR_SCENARIO_INVALID", bad([{ day: 1, village: "a", weather: { hail: true } }, { day: 1, village: "zed", water: { inflowFactor: 0 } }])))
      .toEqual([expect.stringMatching(/^bad\.yaml: events\[0\]: .*weather/)]);
    expect(problemsOf("CS_ERR_SCENARIO_INVALID", bad([{ day: 1, village: "zed" }]))).toEqual(['bad.yaml: events[0].village: "zed" is not in villages']);
  });
});
