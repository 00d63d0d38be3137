// Alarms beyond screens: board outputs (a siren, a strobe, a lamp tower) that the gateway switches
// on while alerts of their urgencies are active, so that a crisis does not wait for someone to look
// at a screen. A siren falls silent once someone acknowledges; a lamp stays on until the alert
// clears. The output is held through a renewed command lease (command-service.ts): if the gateway
// dies, the lease lapses and the output returns to its safe state, and the edge's maxOnTime caps
// how long it ever sounds.
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/schema.ts";
import type { CommandService } from "../control/command-service.ts";
import type { TriggerState } from "./trigger-state.ts";

const LEASE_MS = 60_000;

export class AlarmOutputs {
  /** What each output was last switched to: "device/output" -> on. */
  private readonly sounding = new Map<string, boolean>();

  constructor(
    private readonly o: { outputs: GatewayConfig["alarms"]["outputs"]; state: TriggerState; commands: CommandService; log: Logger },
  ) {}

  /** Looks at the active alerts and switches each output that must change. */
  refresh(): void {
    if (this.o.outputs.length === 0) return;
    const active = this.o.state.alerts(true);
    for (const out of this.o.outputs) {
      const because = active.filter((a) => out.urgencies.includes(a.urgency) && (out.until === "cleared" || !a.acknowledgedAt));
      const on = because.length > 0;
      const key = `${out.device}/${out.output}`;
      if (this.sounding.get(key) === on) continue;
      try {
        this.o.commands.issue({
          device: out.device,
          output: out.output,
          action: on ? "on" : "off",
          hold: on,
          ttlMs: LEASE_MS,
          reason: on ? `alarm: ${because.map((a) => a.id).join(", ")}` : `alarm: nothing ${out.until === "acknowledged" ? "unacknowledged" : "active"}`,
        });
        this.sounding.set(key, on);
      } catch (err) {
        this.o.log.error({ output: key, err: (err as Error).message }, "alarm output not switched");
      }
    }
  }

  /** Each output and whether it sounds, for /api/health. */
  status(): Record<string, "sounding" | "silent"> {
    return Object.fromEntries(this.o.outputs.map((out) => {
      const key = `${out.device}/${out.output}`;
      return [key, this.sounding.get(key) ? "sounding" : "silent"];
    }));
  }
}
