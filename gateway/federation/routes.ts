// How long a transfer between two villages (or from a stockpile) is on the road. A donor keeps what
// it will draw while its transfer is on its way, so the hub needs the route's time, not a constant:
// with three days of road and one day kept, donors ended below their own targets in drills.
// A route may also carry only so much at a time (one cart, a 6,000 L bowser): what is on the road
// counts against it until the receiving village's figures show it arrived.
import { z } from "zod";
import { idSchema } from "../../protocol/payloads.ts";
import { quantitySchema } from "../../protocol/federation.ts";

/** Per unit (L, kg, kcal, kits, crew-days, Wh), the most a route carries at a time. */
const carriesSchema = z.partialRecord(quantitySchema.shape.unit, z.number().positive());

export const routeSchema = z.strictObject({ between: z.tuple([idSchema, idSchema]), days: z.number().min(0).max(30), carries: carriesSchema.optional() });

export const transitSchema = z.strictObject({
  /** Days on the road where no route below says otherwise. */
  defaultDays: z.number().min(0).max(30).default(1),
  /** What a route carries at a time where no route below says otherwise; absent: no limit. */
  defaultCarries: carriesSchema.optional(),
  /** Either direction; a stockpile is named by its id. */
  routes: z.array(routeSchema).max(10_000).default([]),
});

export type TransitSpec = z.input<typeof transitSchema>;
export type Unit = z.infer<typeof quantitySchema.shape.unit>;

export class Routes {
  private readonly routes = new Map<string, z.infer<typeof routeSchema>>();

  constructor(readonly spec: TransitSpec = {}) {
    for (const r of spec.routes ?? []) {
      this.routes.set(`${r.between[0]}>${r.between[1]}`, r);
      this.routes.set(`${r.between[1]}>${r.between[0]}`, r);
    }
  }

  /** Days a transfer from `from` to `to` is on the road. */
  transitDays(from: string, to: string): number {
    return this.routes.get(`${from}>${to}`)?.days ?? this.spec.defaultDays ?? 1;
  }

  /** The most the route from `from` to `to` carries at a time in `unit`; Infinity where nothing limits it. */
  carries(from: string, to: string, unit: Unit): number {
    return this.routes.get(`${from}>${to}`)?.carries?.[unit] ?? this.spec.defaultCarries?.[unit] ?? Infinity;
  }
}
