// Kitchens' hand counts of staples: validated, then stored as readings of their own from the
// gateway's local device "pantry-counts", one sensor per staple ("count-grain"). The reserves
// use a fresh count over the scale (food.countHoldsHours), then the newer of the two. Counts measure the shared stock;
// who counted is not recorded.
import { z } from "zod";
import { CsError } from "../../protocol/errors.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import type { StoredReading } from "../store/store.ts";

export const PANTRY_COUNTS_DEVICE = "pantry-counts";

export function countSensorOf(staple: string): string {
  return `count-${staple}`;
}

const MAX_AGE_MS = 30 * 86_400_000;

export function pantryCountSchema(staples: readonly string[]) {
  return z.strictObject({
    staple: z.string().refine((s) => staples.includes(s), { message: `not a staple of this village (known: ${staples.join(", ")})` }),
    kg: z.number({ error: "a number of kilograms" }).finite().min(0, "cannot be negative").max(1_000_000, "more than any pantry holds"),
    /** When the count was taken, if not now (ISO 8601). */
    at: z.iso.datetime({ offset: true, error: "a date and time such as 2026-11-22T08:30:00Z" }).optional(),
  });
}

/** Turns a request body into the reading it becomes; throws CS_ERR_PANTRY_COUNT_INVALID naming the field. */
export function pantryCountReading(body: unknown, staples: readonly string[], seq: number, nowMs: number): StoredReading {
  const parsed = pantryCountSchema(staples).safeParse(body);
  if (!parsed.success) throw new CsError("CS_ERR_PANTRY_COUNT_INVALID", describeIssues(parsed.error).join("; "));
  const ts = parsed.data.at ? Date.parse(parsed.data.at) : nowMs;
  if (ts > nowMs + 60_000) throw new CsError("CS_ERR_PANTRY_COUNT_INVALID", "at: in the future");
  if (ts < nowMs - MAX_AGE_MS) throw new CsError("CS_ERR_PANTRY_COUNT_INVALID", "at: more than 30 days ago");
  return { device: PANTRY_COUNTS_DEVICE, seq, sensor: countSensorOf(parsed.data.staple), value: parsed.data.kg, unit: "kg", quality: "good", ts, clock: "synced" };
}
