// What the village itself decides and the food team assesses (head count, norms, crop loss): kept
// in the trigger state across restarts, applied to the reserves, and the triggers look again.
import type { GatewayConfig } from "../config/schema.ts";
import type { TriggerState } from "../triggers/trigger-state.ts";
import type { Reserves } from "./reserves.ts";

export interface VillageChange {
  headCount?: number;
  norms?: Partial<GatewayConfig["norms"]>;
}

export class VillageSettings {
  constructor(private readonly o: { reserves: Reserves; state: TriggerState; evaluate: () => void; now: () => number }) {}

  /** At start: every setting and assessment kept before, in the order made. */
  applyKept(): void {
    for (const a of this.o.state.assessments()) this.apply(a.name, a.value, a.tsMs);
  }

  /** The assembly changed the head count or a norm: kept, applied, and the triggers look again. */
  change(change: VillageChange): ReturnType<Reserves["village"]> {
    const now = this.o.now();
    const settings: Array<[string, number]> = [
      ...(change.headCount !== undefined ? [["village.headCount", change.headCount] as [string, number]] : []),
      ...Object.entries(change.norms ?? {}).map(([k, v]) => [`norms.${k}`, v as number] as [string, number]),
    ];
    for (const [name, value] of settings) {
      this.o.state.saveAssessment(name, value, now);
      this.apply(name, value, now);
    }
    this.o.evaluate();
    return this.o.reserves.village();
  }

  private apply(name: string, value: number, tsMs: number): void {
    const { reserves } = this.o;
    if (name === "village.headCount") reserves.setHeadCount(value);
    else if (name.startsWith("norms.")) reserves.setNorm(name.slice(6) as keyof GatewayConfig["norms"], value);
    else reserves.assess(name as "greenhouse.cropLossPct", value, tsMs);
  }
}
