// Local safety loops: conditions over this board's own sensors that hold an output (pump off when
// the source is low, loads shed when the battery sags, vents open when it is too hot). They need no
// gateway, trip when a sensor they need cannot be read (fail safe, unless told to keep), release only on their clear
// condition (hysteresis), and always win over a command.
import type { SafetyLoopDefinition } from "../../protocol/board/schema.ts";
import { parseComparison, test, type Comparison } from "../../protocol/expression.ts";
import type { Outputs, OutputState } from "./outputs.ts";

interface Loop {
  def: SafetyLoopDefinition;
  when: Comparison;
  clear: Comparison;
  tripped: boolean;
}

export class SafetyLoops {
  private readonly loops: Loop[];
  private readonly outputs: Outputs;

  constructor(defs: readonly SafetyLoopDefinition[], outputs: Outputs) {
    this.outputs = outputs;
    this.loops = defs.map((def) => ({ def, when: parseComparison(def.when), clear: parseComparison(def.clear), tripped: false }));
  }

  /** Evaluates every loop on the latest sample of each sensor (null: could not be read). */
  evaluate(values: ReadonlyMap<string, number | null>): void {
    const lookup = (name: string) => values.get(name) ?? null;
    for (const loop of this.loops) {
      const when = test(loop.when, lookup);
      const trips = when === true || (when === null && loop.def.whenUnreadable === "trip");
      if (!loop.tripped && trips) {
        loop.tripped = true;
        const why = when === null ? `${loop.def.id}: a sensor it needs cannot be read` : `${loop.def.id}: ${loop.def.when}`;
        this.outputs.set(loop.def.output, loop.def.hold, "safety", why);
      } else if (loop.tripped && test(loop.clear, lookup) === true) {
        loop.tripped = false;
        this.outputs.set(loop.def.output, this.outputs.safeState(loop.def.output)!, "safety", `${loop.def.id}: released (${loop.def.clear})`);
      } else if (loop.tripped) {
        // A max-on-time or a reconnect may have moved it; the loop holds it where it must be.
        this.outputs.set(loop.def.output, loop.def.hold, "safety", `${loop.def.id}: holding`);
      }
    }
  }

  /** The loop holding this output at a state other than the one asked for, if any. */
  conflict(output: string, wanted: OutputState): SafetyLoopDefinition | undefined {
    return this.loops.find((l) => l.tripped && l.def.output === output && l.def.hold !== wanted)?.def;
  }
}
