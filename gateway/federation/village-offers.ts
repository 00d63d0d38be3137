// What this village offers its neighbours beyond its water and food stocks: entered by people
// (POST /api/offers), kept across restarts, sent in the reserve summary. A transfer agreed from an
// offer comes off it once, when the hub's list shows it accepted, so the next summary does not
// offer it again; it goes back once if the hub cancels the transfer before it left.
import { z } from "zod";
import { offerSchema, type Offer, type Proposal } from "../../protocol/federation.ts";
import { CsError } from "../../protocol/errors.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import type { TriggerState } from "../triggers/trigger-state.ts";

const STOCK_RESOURCES = new Set(["water", "food"]);

export const offersBodySchema = z.strictObject({ offers: z.array(offerSchema).max(50) });

export class VillageOffers {
  constructor(
    private readonly village: string,
    private readonly state: TriggerState,
  ) {}

  list(): Offer[] {
    return this.state.offers();
  }

  /** Replaces the whole list: what the circle says it can give now. */
  set(body: unknown): Offer[] {
    const parsed = offersBodySchema.safeParse(body);
    if (!parsed.success) throw new CsError("CS_ERR_OFFER_INVALID", describeIssues(parsed.error).join("; "));
    const stock = parsed.data.offers.findIndex((o) => STOCK_RESOURCES.has(o.resource));
    if (stock >= 0) throw new CsError("CS_ERR_OFFER_INVALID", `offers[${stock}].resource: water and food are given from the stocks the sensors measure, not offered by hand`);
    this.state.saveOffers(parsed.data.offers);
    return parsed.data.offers;
  }

  /**
   * Takes transfers from this village that the hub shows agreed off the offers, and puts back what
   * was taken for one the hub has since cancelled (its need went before it was sent); true if the
   * offers changed.
   */
  takeAgreed(proposals: readonly Proposal[]): boolean {
    const mine = proposals.filter((p) => p.from === this.village && !STOCK_RESOURCES.has(p.resource));
    const agreed = mine.filter((p) => p.status === "accepted" || p.status === "dispatched");
    const cancelled = mine.filter((p) => p.status === "cancelled");
    if (agreed.length === 0 && cancelled.length === 0) return false;
    let changed = false;
    this.state.transaction(() => {
      const offers = this.state.offers();
      for (const p of agreed) {
        if (this.state.offerTaken(p.id) !== undefined) continue;
        this.state.markOfferTaken(p.id, takeOff(offers, p));
        changed = true;
      }
      for (const p of cancelled) {
        const taken = this.state.offerTaken(p.id);
        if (taken === undefined || !this.state.markOfferTaken(`${p.id}#back`)) continue;
        // Transfers agreed before pieces were kept come back as the plain amount they were.
        const pieces = taken ?? [{ resource: p.resource, amount: p.quantity.amount, unit: p.quantity.unit, whole: false, note: "" }];
        for (const piece of pieces) giveBack(offers, piece);
        changed = true;
      }
      if (changed) this.state.saveOffers(offers.filter((o) => o.amount > 0));
    });
    return changed;
  }
}

const BACK_NOTE = "back: an agreed transfer was cancelled before it left";

/**
 * Takes a transfer off the offers in the order the hub's matching gave it (offer-book.ts):
 * divisible offers first, largest first, as much as is owed; then whole offers, each whole, while
 * anything is owed. Returns the pieces taken, each as the offer it came from.
 */
function takeOff(offers: Offer[], p: Proposal): Offer[] {
  const pieces: Offer[] = [];
  let owed = p.quantity.amount;
  const candidates = offers
    .filter((o) => o.resource === p.resource && o.unit === p.quantity.unit && o.amount > 0)
    .sort((a, b) => Number(a.whole) - Number(b.whole) || b.amount - a.amount);
  for (const o of candidates) {
    if (owed <= 0) break;
    const amount = o.whole ? o.amount : Math.min(o.amount, owed);
    o.amount -= amount;
    owed -= amount;
    pieces.push({ ...o, amount });
  }
  return pieces;
}

/** A whole piece comes back as the whole offer it was (a generator stays one generator); a divisible one joins its kind. */
function giveBack(offers: Offer[], piece: Offer): void {
  const same = piece.whole ? undefined : offers.find((o) => !o.whole && o.resource === piece.resource && o.unit === piece.unit);
  if (same) same.amount += piece.amount;
  else offers.push({ ...piece, note: piece.note || BACK_NOTE });
}
