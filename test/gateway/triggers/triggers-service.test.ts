import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bus } from "../../../gateway/bus.ts";
import { evalIntervalMs, TriggersService } from "../../../gateway/triggers/triggers-service.ts";
import { TriggerState } from "../../../gateway/triggers/trigger-state.ts";
import type { Reserves } from "../../../gateway/reserves/reserves.ts";
import { figure } from "../../../gateway/reserves/figures.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

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

  /** A service over reserves that count their evaluations. */
  function countingService(options: { minEvalIntervalMs: number }) {
    const rulesFile = join(dir.path, "rules.yaml");
    writeFileSync(rulesFile, "rules:\n  - { id: low, when: water.stockLitres < 10, clear: water.stockLitres > 20, urgency: Routine, actions: [{ alert: low }] }\n");
    const counted = { evaluations: 0 };
    // Only what the service asks of reserves: the figure names to check rules against, and figures.
    const reserves = {
      figureNames: () => ["water.stockLitres"],
      figures: () => {
        counted.evaluations++;
        return { "water.stockLitres": figure(1000, "L") };
      },
    } as unknown as Reserves;
    const bus = new Bus(testLog);
    const service = new TriggersService({ village: "riverbend", rulesFile, bus, reserves, state, log: testLog, minEvalIntervalMs: options.minEvalIntervalMs });
    return { service, bus, counted };
  }

  it("evaluates a stream of readings batches at most once per interval, the first at once", async () => {
    const { service, bus, counted } = countingService({ minEvalIntervalMs: 100 });
    await service.start();
    expect(counted.evaluations).toBe(1); // at start
    await sleep(120);
    bus.emit("readings", []);
    bus.emit("readings", []);
    await nextTick();
    expect(counted.evaluations).toBe(2); // one tick's batches together, at once after a quiet interval
    for (let i = 0; i < 5; i++) {
      bus.emit("readings", []);
      await nextTick();
    }
    expect(counted.evaluations).toBe(2); // within the interval: waiting
    await waitFor("the evaluation at the end of the interval", () => counted.evaluations === 3);
    await sleep(150);
    expect(counted.evaluations).toBe(3); // the five batches in one evaluation
    await service.stop();
  });

  it("waits by default ten times what the last evaluation took, never more than 5 ms", () => {
    expect(evalIntervalMs(0.1)).toBeCloseTo(1);
    expect(evalIntervalMs(0.4)).toBeCloseTo(4);
    expect(evalIntervalMs(90)).toBe(5); // a stalled evaluation must not hold back the next alerts
  });
});
