// Runs the trigger matrix: loads and checks the rule file against the figures reserves provide,
// evaluates on every batch of readings (never waiting for a store flush) and on a tick, for `for`
// durations and silent sensors. Under a stream of batches (a backlog replay, a benchmark) it
// evaluates at most once per minEvalIntervalMs: by default ten times what the last evaluation
// took, and never more than 5 ms. An evaluation builds every figure of the village (about 100 us
// idle, several times that on a loaded machine), so it keeps to about a tenth of the event loop,
// while a village's boards, sending a few batches a second, see every batch evaluated at once. The
// cap bounds what the interval can add to an alert: uncapped, one evaluation stalled for 90 ms (a
// busy disk under a trigger-state checkpoint, a machine short of CPU) would hold the next 900 ms.
import type { Logger } from "pino";
import { fileURLToPath } from "node:url";
import type { Bus } from "../bus.ts";
import type { Reserves } from "../reserves/reserves.ts";
import { TriggerEngine, type EngineOptions } from "./engine.ts";
import { loadRulesFile } from "./rules.ts";
import type { TriggerState } from "./trigger-state.ts";
import type { CommandService } from "../control/command-service.ts";

export const defaultRulesFile = fileURLToPath(new URL("./default-rules.yaml", import.meta.url));

export interface TriggersServiceOptions {
  village: string;
  rulesFile?: string;
  bus: Bus;
  reserves: Reserves;
  state: TriggerState;
  log: Logger;
  now?: () => number;
  tickMs?: number;
  /** Least time between two evaluations caused by readings; by default evalIntervalMs(). */
  minEvalIntervalMs?: number;
  /** Where rule command actions go; without it, rules with commands are refused. */
  commands?: CommandService;
  /** "device/output" of every output, for validating command actions. */
  knownOutputs?: ReadonlySet<string>;
}

/** Ten times what the last evaluation took, at most 5 ms. */
export function evalIntervalMs(lastTookMs: number): number {
  return Math.min(5, 10 * lastTookMs);
}

export class TriggersService {
  engine: TriggerEngine | undefined;
  private readonly o: TriggersServiceOptions;
  private timer: NodeJS.Timeout | undefined;
  private scheduled: { cancel(): void } | undefined;
  private lastEvalMs = -Infinity;
  private lastEvalTookMs = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(options: TriggersServiceOptions) {
    this.o = options;
  }

  /** Validates the rule file; called before anything starts so a bad file stops start-up. */
  load(): TriggerEngine {
    const rules = loadRulesFile(this.o.rulesFile ?? defaultRulesFile, new Set(this.o.reserves.figureNames()), this.o.knownOutputs ?? new Set());
    this.engine = new TriggerEngine({
      village: this.o.village,
      rules,
      state: this.o.state,
      log: this.o.log,
      now: this.o.now ?? Date.now,
      onNotification: (n) => {
        this.o.log.warn({ kind: n.kind, ref: n.ref }, n.text);
        this.o.bus.emit("notification", n);
      },
      onOutbox: () => this.o.bus.emit("outbox", undefined),
      onCommand: (c) => this.issue(c),
    });
    return this.engine;
  }

  private issue(c: Parameters<NonNullable<EngineOptions["onCommand"]>>[0]): void {
    try {
      this.o.commands?.issue(c);
    } catch (err) {
      this.o.log.error({ err: (err as Error).message, device: c.device, output: c.output }, "rule command not issued");
    }
  }

  async start(): Promise<void> {
    this.engine ??= this.load();
    // Holds of rules that were raised before a restart: their leases lapsed with the gateway.
    for (const c of this.engine.heldCommands()) this.issue(c);
    this.unsubscribe = this.o.bus.on("readings", () => this.schedule());
    this.timer = setInterval(() => this.evaluateNow(), this.o.tickMs ?? 10_000);
    this.evaluateNow();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    this.scheduled?.cancel();
    this.scheduled = undefined;
  }

  evaluateNow(): void {
    this.lastEvalMs = performance.now();
    this.engine?.evaluate(this.o.reserves.figures());
    this.lastEvalTookMs = performance.now() - this.lastEvalMs;
  }

  /** Readings that arrive in one tick are evaluated together, and no sooner than the interval allows. */
  private schedule(): void {
    if (this.scheduled) return;
    const run = () => {
      this.scheduled = undefined;
      this.evaluateNow();
    };
    const waitMs = this.lastEvalMs + (this.o.minEvalIntervalMs ?? evalIntervalMs(this.lastEvalTookMs)) - performance.now();
    if (waitMs > 0) {
      const timer = setTimeout(run, waitMs);
      this.scheduled = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(run);
      this.scheduled = { cancel: () => clearImmediate(immediate) };
    }
  }
}
