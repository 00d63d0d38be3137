// How long a transfer between two villages (or from a stockpile) is on the road. A donor keeps what
// it will draw while its transfer is on its way, so the hub needs the route's time, not a constant:
// with three days of road and one day kept, donors ended below their own targets in drills.
import { z } from "zod";
import { idSchema } from "../../protocol/payloads.ts";

export const transitSchema = z.strictObject({
  /** Days on the road where no route below says otherwise. */
  defaultDays: z.number().min(0).max(30).default(1),
  /** Either direction; a stockpile is named by its id. */
  routes: z.array(z.strictObject({ between: z.tuple([idSchema, idSchema]), days: z.number().min(0).max(30) })).max(10_000).default([]),
});

export type TransitSpec = z.infer<typeof transitSchema>;

export class Routes {
  private readonly days = new Map<string, number>();

  constructor(readonly spec: TransitSpec = { defaultDays: 1, routes: [] }) {
    for (const r of spec.routes) {
      this.days.set(`${r.between[0]}>${r.between[1]}`, r.days);
      this.days.set(`${r.between[1]}>${r.between[0]}`, r.days);
    }
  }

  /** Days a transfer from `from` to `to` is on the road. */
  transitDays(from: string, to: string): number {
    return this.days.get(`${from}>${to}`) ?? this.spec.defaultDays;
  }
}
