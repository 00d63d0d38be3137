// The short seeded chaos run in the suite: about 25 s of faults against real processes, then every
// reading accounted for. `npm run chaos` is the long run.
import { describe, expect, it } from "vitest";
import { runChaos } from "./chaos.ts";
import { tempDir } from "../helpers/temp-dir.ts";

describe("chaos (seed 3, short)", () => {
  it("loses and duplicates nothing through gateway and agent SIGKILLs and a frozen gateway; databases intact", async () => {
    const dir = tempDir("cs-chaos-");
    const report = await runChaos({ seed: 3, durationMs: 25_000, dir: dir.path });
    dir.remove();
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
    for (const d of report.devices) {
      expect(d.taken, d.device).toBeGreaterThan(500);
      expect({ device: d.device, lost: d.lost, duplicated: d.duplicated }).toEqual({ device: d.device, lost: 0, duplicated: 0 });
    }
    expect(Object.values(report.integrity)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(report.drainMs).toBeLessThanOrEqual(2 * report.longestOutageMs);
  }, 240_000);
});
