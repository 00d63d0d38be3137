// A village's reserve summary for the federation: stock, daily need, target and days left per
// domain. Surpluses are what stands above a village's own target.
import type { Offer, ReserveSummary } from "../../protocol/federation.ts";
import type { GatewayConfig } from "../config/schema.ts";
import type { Figures } from "../reserves/figures.ts";

export function buildSummary(village: string, config: GatewayConfig, figures: Figures, nowMs: number, offers: readonly Offer[] = []): ReserveSummary {
  const v = (name: string) => figures[name]?.value ?? null;
  return {
    village,
    headCount: v("village.headCount") ?? config.village.headCount,
    ts: new Date(nowMs).toISOString(),
    water: { stock: v("water.stockLitres"), unit: "L", dailyNeed: v("water.dailyNeedLitres") ?? 0, targetDays: config.reserves.water.targetDays, daysLeft: v("water.daysLeft") },
    food: { stock: v("food.kcal"), unit: "kcal", dailyNeed: v("food.dailyNeedKcal") ?? 0, targetDays: config.reserves.food.targetDays, daysLeft: v("food.daysLeft") },
    power: { stock: v("power.storedWh"), unit: "Wh", dailyNeed: v("power.dailyNeedWh") ?? 0, targetDays: config.reserves.power.targetDays, daysLeft: v("power.daysLeft") },
    offers: [...offers],
  };
}

/** Stock above the village's own target; never negative. */
export function surplusOf(domain: ReserveSummary["water"]): number {
  if (domain.stock === null) return 0;
  return Math.max(0, domain.stock - domain.targetDays * domain.dailyNeed);
}
