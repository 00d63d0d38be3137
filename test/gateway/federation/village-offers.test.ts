// A village's own offers (gateway/federation/village-offers.ts) against a real trigger state: an
// agreed transfer comes off them as the hub's matching gave it, and one cancelled before it left
// comes back as what it was: a whole offer (a generator) whole, with its note, not as an amount.
import { afterEach, describe, expect, it } from "vitest";
import { VillageOffers } from "../../../gateway/federation/village-offers.ts";
import { TriggerState } from "../../../gateway/triggers/trigger-state.ts";
import type { Proposal } from "../../../protocol/federation.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const transfer = (id: string, resource: Proposal["resource"], amount: number, unit: Proposal["quantity"]["unit"], status: Proposal["status"]): Proposal => ({
  id, requestId: "r1", from: "hillside", to: "riverbend", resource, quantity: { amount, unit }, status,
});

describe("a village's offers", () => {
  const dir = tempDir();
  let state: TriggerState;
  const open = () => {
    state = new TriggerState(dir.path);
    state.open();
    return new VillageOffers("hillside", state);
  };
  afterEach(() => state?.close());

  it("takes an agreed generator off whole and gives it back whole, with its note, when the transfer is cancelled", () => {
    const offers = open();
    offers.set({ offers: [
      { resource: "power", amount: 1, unit: "kits", whole: true, note: "5 kVA diesel, on a trailer" },
      { resource: "power", amount: 1, unit: "kits", whole: true, note: "2 kVA petrol" },
      { resource: "seeds", amount: 30, unit: "kg" },
    ] });
    expect(offers.takeAgreed([transfer("t1", "power", 1, "kits", "accepted")])).toBe(true);
    expect(offers.list().filter((o) => o.resource === "power")).toHaveLength(1);
    expect(offers.takeAgreed([transfer("t1", "power", 1, "kits", "accepted")])).toBe(false); // once
    expect(offers.takeAgreed([transfer("t1", "power", 1, "kits", "cancelled")])).toBe(true);
    const power = offers.list().filter((o) => o.resource === "power");
    expect(power).toHaveLength(2);
    expect(power.every((o) => o.whole && o.amount === 1)).toBe(true);
    expect(power.map((o) => o.note).sort()).toEqual(["2 kVA petrol", "5 kVA diesel, on a trailer"]);
    expect(offers.takeAgreed([transfer("t1", "power", 1, "kits", "cancelled")])).toBe(false); // back once
  });

  it("gives a divisible part back to its kind, and survives a restart in between", () => {
    let offers = open();
    offers.set({ offers: [{ resource: "seeds", amount: 30, unit: "kg", note: "bean and squash" }] });
    offers.takeAgreed([transfer("t2", "seeds", 20, "kg", "accepted")]);
    expect(offers.list()).toMatchObject([{ amount: 10, whole: false }]);
    state.close();
    offers = open();
    offers.takeAgreed([transfer("t2", "seeds", 20, "kg", "cancelled")]);
    expect(offers.list()).toEqual([{ resource: "seeds", amount: 30, unit: "kg", whole: false, note: "bean and squash" }]);
  });

  it("gives back nothing for a transfer that took nothing (its offer was gone)", () => {
    const offers = open();
    offers.set({ offers: [] });
    offers.takeAgreed([transfer("t3", "medical-supplies", 4, "kits", "accepted")]);
    offers.takeAgreed([transfer("t3", "medical-supplies", 4, "kits", "cancelled")]);
    expect(offers.list()).toEqual([]);
  });
});
