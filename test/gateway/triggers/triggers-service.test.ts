import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bus } from "../../../gateway/bus.ts";
import { TriggersService } from "../../../gateway/triggers/triggers-service.ts";
import { TriggerState } from "../../../gateway/triggers/trigger-state.ts";
import type { Reserves } from "../../../gateway/reserves/reserves.ts";
import { figure } from "../../../gateway/reserves/figures.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";

const nextTick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("triggers service", () => {
  let dir: ReturnType<typeof tempDir>;
  let state: TriggerState;
  beforeEach(() => {
    dir = tempDir();
    state = new TriggerState(dir.path);
    state.open();
  });
  afterEach(() => {
    state.close();
    dir.remove();
  });

  it("evaluates a stream of readings batches at most once per interval, the first at once", async () => {
    const rulesFile = join(dir.path, "rules.yaml");
    writeFileSync(rulesFile, "rules:\n  - { id: low, when: water.stockLitres < 10, clear: water.stockLitres > 20, urgency: Routine, actions: [{ alert: low }] }\n");
    let evaluations = 0;
    // Only what the service asks of reserves: the figure names to check rules against, and figures.
    const reserves = {
      figureNames: () => ["water.stockLitres"],
      figures: () => {
        evaluations++;
        return { "water.stockLitres": figure(1000, "L") };
      },
    } as unknown as Reserves;
    const bus = new Bus(testLog);
    const service = new TriggersService({ village: "riverbend", rulesFile, bus, reserves, state, log: testLog, minEvalIntervalMs: 100 });
    await service.start();
    expect(evaluations).toBe(1); // at start
    await sleep(120);
    bus.emit("readings", []);
    bus.emit("readings", []);
    await nextTick();
    expect(evaluations).toBe(2); // one tick's batches together, at once after a quiet interval
    for (let i = 0; i < 5; i++) {
      bus.emit("readings", []);
      await nextTick();
    }
    expect(evaluations).toBe(2); // within the interval: waiting
    await sleep(120);
    expect(evaluations).toBe(3); // the five batches in one evaluation
    await service.stop();
  });
});
