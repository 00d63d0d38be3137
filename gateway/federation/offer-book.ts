// What villages offer beyond their water and food stocks (fuel, seeds, crews, a generator, kits),
// as the matching hands it out: divisible offers in part, whole ones whole or not at all.
import type { Offer, Proposal, ReserveSummary } from "../../protocol/federation.ts";

export class OfferBook {
  private readonly left = new Map<string, Offer[]>();

  /** Villages asking for a resource offer none of it (`needing` holds "village:resource"). */
  constructor(summaries: Iterable<ReserveSummary>, needing: ReadonlySet<string>) {
    for (const s of summaries) {
      for (const o of s.offers ?? []) {
        if (needing.has(`${s.village}:${o.resource}`)) continue;
        const key = keyOf(s.village, o.resource, o.unit);
        this.left.set(key, [...(this.left.get(key) ?? []), { ...o }]);
      }
    }
  }

  /** What `village` still offers of a resource in a unit. */
  available(village: string, resource: Offer["resource"], unit: string): number {
    return (this.left.get(keyOf(village, resource, unit)) ?? []).reduce((n, o) => n + o.amount, 0);
  }

  /** A transfer agreed earlier whose donor's offers do not show it yet: it comes off them. */
  takeAgreed(p: Proposal): void {
    let owed = p.quantity.amount;
    for (const o of this.offersOf(p.from, p.resource, p.quantity.unit)) {
      if (owed <= 0) break;
      const taken = Math.min(o.amount, owed);
      o.amount -= taken;
      owed -= taken;
    }
  }

  /**
   * Gives towards `wanted`: divisible offers first, as much as is wanted; then whole offers, each
   * whole, while anything is still wanted (a generator asked as one kit comes as the one offered).
   */
  give(village: string, resource: Offer["resource"], unit: string, wanted: number): number {
    let given = 0;
    for (const o of this.offersOf(village, resource, unit)) {
      if (given >= wanted) break;
      if (o.amount <= 0) continue;
      const amount = o.whole ? o.amount : Math.min(o.amount, wanted - given);
      o.amount -= amount;
      given += amount;
    }
    return given;
  }

  private offersOf(village: string, resource: Offer["resource"], unit: string): Offer[] {
    const offers = this.left.get(keyOf(village, resource, unit)) ?? [];
    return offers.sort((a, b) => Number(a.whole) - Number(b.whole) || b.amount - a.amount);
  }
}

function keyOf(village: string, resource: string, unit: string): string {
  return `${village}:${resource}:${unit}`;
}
