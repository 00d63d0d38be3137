// The short seeded chaos runs in the suite: about 25 s of faults each against real processes, then
// every reading and aid request accounted for. `npm run chaos` is the long run.
import { describe, expect, it } from "vitest";
import { runChaos, type ChaosReport } from "./chaos.ts";
import { tempDir } from "../helpers/temp-dir.ts";

function expectNothingLost(report: ChaosReport, databases: number): void {
  for (const d of report.devices) {
    expect(d.taken, d.device).toBeGreaterThan(500);
    expect({ device: d.device, lost: d.lost, duplicated: d.duplicated }).toEqual({ device: d.device, lost: 0, duplicated: 0 });
  }
  expect(Object.values(report.integrity)).toEqual(Array(databases).fill("ok"));
  expect(report.drainMs).toBeLessThanOrEqual(2 * report.longestOutageMs);
  // The crop assessment swung while the faults ran: requests opened and were withdrawn.
  expect(report.aid.assessments).toBeGreaterThanOrEqual(4);
  expect(report.aid.opened).toBeGreaterThanOrEqual(2);
  expect(report.aid.withdrawn).toBeGreaterThanOrEqual(2);
  expect(report.aid).toMatchObject({ duplicateOpens: [], missedWithdrawals: [], missingAtHub: [], duplicateOpenAtHub: [] });
}

describe("chaos, short seeded runs", () => {
  it("embedded store (seed 3): gateway and agent SIGKILLs, a frozen gateway, the federation partitioned and the hub restarted", async () => {
    const dir = tempDir("cs-chaos-");
    const report = await runChaos({ seed: 3, durationMs: 25_000, dir: dir.path });
    dir.remove();
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
    expectNothingLost(report, 5);
  }, 240_000);

  it("InfluxDB store (seed 11): the same faults and influxd down", async () => {
    const dir = tempDir("cs-chaos-");
    const report = await runChaos({ seed: 11, durationMs: 25_000, dir: dir.path, store: "influxdb" });
    dir.remove();
    expect(report.faults["influxd down"]).toBeGreaterThanOrEqual(1);
    expectNothingLost(report, 4);
  }, 240_000);
});
