// The reserve figures kept as history: days left per domain and the water and power stocks, stored
// every reserves.historyMinutes as readings of the gateway's own device "reserve-figures", so the
// dashboards chart days left over a week or a season and other tools (Grafana, Home Assistant) can
// read them like any sensor. A missing figure is stored as missing (invalid, no value), an
// uncertain one as an estimate with its reasons as the reading's warning: a chart, Grafana or Home
// Assistant never draws it as measured.
import type { Logger } from "pino";
import type { Unit } from "../../protocol/units.ts";
import type { StoredReading } from "../store/store.ts";
import type { Figures } from "./figures.ts";

export const RESERVE_FIGURES_DEVICE = "reserve-figures";

/** Sensor id, the figure it keeps, its unit and label. */
export const KEPT_FIGURES: ReadonlyArray<{ sensor: string; figure: string; unit: Unit; label: string }> = [
  { sensor: "water-days-left", figure: "water.daysLeft", unit: "days", label: "Water: days left at the measured draw" },
  { sensor: "power-days-left", figure: "power.daysLeft", unit: "days", label: "Power: days left as if the sun stopped" },
  { sensor: "food-days-left", figure: "food.daysLeft", unit: "days", label: "Food: days left at the measured use" },
  { sensor: "water-stock", figure: "water.stockLitres", unit: "L", label: "Water stored, all tanks" },
  { sensor: "power-stored", figure: "power.storedWh", unit: "Wh", label: "Energy stored in the battery" },
];

export class ReserveHistory {
  private lastMs = -Infinity;
  private seq = 0;

  constructor(
    private readonly o: { intervalMs: number; now: () => number; figures: () => Figures; store: (readings: StoredReading[]) => Promise<void>; log: Logger },
  ) {}

  /** Called as readings are stored: keeps the figures once an interval has passed on the gateway's clock. */
  tick(): void {
    const now = this.o.now();
    if (now - this.lastMs < this.o.intervalMs) return;
    this.lastMs = now;
    const figures = this.o.figures();
    const readings = KEPT_FIGURES.map(({ sensor, figure, unit }): StoredReading => {
      const f = figures[figure];
      const value = f?.value ?? null;
      // A sure figure has no reasons at all: the fallback is for a figure the reserves did not compute.
      const reasons = f ? (f.reasons ?? []) : ["figure not computed"];
      return {
        device: RESERVE_FIGURES_DEVICE, seq: (this.seq = Math.max(this.seq + 1, now)), sensor, value, unit,
        quality: value === null ? "invalid" : reasons.length ? "estimate" : "good", ts: now, clock: "synced",
        ...(reasons.length ? { warning: reasons.join("; ").slice(0, 200) } : {}),
      };
    });
    this.o.store(readings).catch((err: Error) => this.o.log.warn({ err: err.message }, "reserve figures not kept this time"));
  }
}
