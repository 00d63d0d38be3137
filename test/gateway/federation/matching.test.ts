import { describe, expect, it } from "vitest";
import { matchNeeds, type Coverage } from "../../../gateway/federation/matching.ts";
import { Routes } from "../../../gateway/federation/routes.ts";
import type { AidRequest, ReserveSummary } from "../../../protocol/federation.ts";

function summary(village: string, waterStock: number, foodKcal = 180 * 2100 * 40): ReserveSummary {
  return {
    village, headCount: 180, ts: "2026-11-22T00:00:00.000Z",
    water: { stock: waterStock, unit: "L", dailyNeed: 2700, targetDays: 7, daysLeft: waterStock / 2700 },
    food: { stock: foodKcal, unit: "kcal", dailyNeed: 378_000, targetDays: 30, daysLeft: foodKcal / 378_000 },
    power: { stock: 10_000, unit: "Wh", dailyNeed: 24_000, targetDays: 2, daysLeft: 0.4 },
    offers: [],
  };
}

function request(village: string, amount: number, over: Partial<AidRequest> = {}): AidRequest {
  return {
    id: `${village}:water-low#1:0`, village, resource: "water", quantity: [{ amount, unit: "L" }], urgency: "Emergency",
    neededBy: "2026-11-24T00:00:00.000Z", duration: "temporary", alternativesTried: [], enables: "", status: "open", version: 1,
    reason: { rule: "water-low", figures: {} }, updatedAt: "2026-11-22T00:00:00.000Z", ...over,
  };
}

const noDecisions = { get: () => undefined };
/** What a donor keeps: its 7-day target and a day's draw while the transfer is on its way. */
const KEEP = 8 * 2700;

describe("needs matching", () => {
  it("covers a deficit from surpluses without pushing any donor below its own target", () => {
    const summaries = new Map([
      ["storm", summary("storm", 2_000)],
      ["a", summary("a", KEEP + 5_000)], // 5,000 L above target and a day's draw in transit
      ["b", summary("b", KEEP + 8_000)], // 8,000 L above target
      ["c", summary("c", KEEP - 100)], // below target and a day's draw: gives nothing
    ]);
    const proposals = matchNeeds([request("storm", 10_000)], summaries, noDecisions);
    expect(proposals.map((p) => [p.from, p.quantity.amount])).toEqual([["b", 8_000], ["a", 2_000]]);
    for (const p of proposals) {
      const donor = summaries.get(p.from)!;
      expect(donor.water.stock! - p.quantity.amount).toBeGreaterThanOrEqual(donor.water.targetDays * donor.water.dailyNeed);
    }
  });

  it("serves Emergency before Priority and never gives the same surplus twice", () => {
    const summaries = new Map([["x", summary("x", 1_000)], ["y", summary("y", 1_000)], ["d", summary("d", KEEP + 30_000)]]);
    const proposals = matchNeeds(
      [request("x", 30_000, { urgency: "Priority", id: "x:r#1:0" }), request("y", 25_000, { id: "y:r#1:0" })],
      summaries,
      noDecisions,
    );
    expect(proposals.map((p) => [p.to, p.quantity.amount])).toEqual([["y", 25_000], ["x", 5_000]]);
  });

  it("leaves a declining donor out and proposes from the next", () => {
    const summaries = new Map([["s", summary("s", 0)], ["a", summary("a", KEEP + 9_000)], ["b", summary("b", KEEP + 9_000)]]);
    const first = matchNeeds([request("s", 4_000)], summaries, noDecisions);
    const declined = new Map([[first[0].id, false]]);
    const second = matchNeeds([request("s", 4_000)], summaries, declined);
    expect(second).toHaveLength(1);
    expect(second[0].from).not.toBe(first[0].from);
  });

  it("counts accepted transfers against the need and proposes only the rest after an update", () => {
    const summaries = new Map([["s", summary("s", 0)], ["a", summary("a", KEEP + 20_000)]]);
    const [first] = matchNeeds([request("s", 4_000)], summaries, noDecisions);
    const accepted = [{ ...first, status: "accepted" as const }];
    const after = matchNeeds([request("s", 6_000, { status: "updated", version: 2 })], summaries, noDecisions, accepted);
    expect(after.map((p) => [p.status, p.quantity.amount])).toEqual([["accepted", 4_000], ["proposed", 2_000]]);
  });

  it("proposes nothing for withdrawn requests", () => {
    const summaries = new Map([["s", summary("s", 0)], ["a", summary("a", 50_000)]]);
    expect(matchNeeds([request("s", 4_000, { status: "withdrawn", version: 2 })], summaries, noDecisions)).toEqual([]);
  });

  describe("in a region", () => {
    const federationOf = (v: string) => ({ storm: "north", a: "north", b: "north", far: "south" })[v];
    const region = { federationOf, stockpiles: [{ id: "depot", waterL: 50_000, foodKcal: 0 }] };

    it("asks the village's own federation first, then the regional stockpile, never another federation", () => {
      const summaries = new Map([
        ["storm", summary("storm", 2_000)],
        ["a", summary("a", KEEP + 20_000)],
        ["b", summary("b", KEEP + 10_000)],
        ["far", summary("far", KEEP + 90_000)], // a large surplus, but in another federation
      ]);
      const proposals = matchNeeds([request("storm", 50_000)], summaries, noDecisions, [], { region });
      expect(proposals.map((p) => [p.from, p.quantity.amount])).toEqual([["a", 20_000], ["b", 10_000], ["depot", 20_000]]);
    });

    it("counts what was agreed from a stockpile against it", () => {
      const summaries = new Map([["storm", summary("storm", 0)], ["a", summary("a", 0)]]);
      const agreed = { id: "old", requestId: "a:water-low#1:0", from: "depot", to: "a", resource: "water" as const, quantity: { amount: 45_000, unit: "L" as const }, status: "accepted" as const };
      const requests = [request("storm", 10_000), request("a", 60_000, { id: "a:water-low#1:0" })];
      const proposals = matchNeeds(requests, summaries, noDecisions, [agreed], { region });
      const fromDepot = proposals.filter((p) => p.from === "depot" && p.status === "proposed");
      expect(fromDepot.reduce((n, p) => n + p.quantity.amount, 0)).toBe(5_000);
    });
  });

  it("has a donor keep what it draws while its transfer is on the road: the route's days, not one", () => {
    // 30,000 L above its 7-day target; a day on the road keeps 2,700 L back, three days 8,100 L.
    const summaries = new Map([["s", summary("s", 0)], ["near", summary("near", 7 * 2700 + 30_000)], ["far", summary("far", 7 * 2700 + 30_000)]]);
    const routes = new Routes({ defaultDays: 1, routes: [{ between: ["s", "far"], days: 3 }] });
    const proposals = matchNeeds([request("s", 60_000)], summaries, noDecisions, [], { routes });
    expect(proposals.map((p) => [p.from, p.quantity.amount])).toEqual([["near", 27_300], ["far", 21_900]]);
    // And a donor giving to two villages keeps the longer road's days once, not both.
    const two = matchNeeds([request("s", 60_000), request("t", 60_000)], new Map([...summaries, ["t", summary("t", 0)]]), noDecisions, [], { routes });
    const fromFar = two.filter((p) => p.from === "far").reduce((n, p) => n + p.quantity.amount, 0);
    expect(fromFar).toBe(21_900);
  });

  it("sends no more down a road than it carries at a time, counting what is on it, and leaves the rest uncovered", () => {
    // "a" has 30,000 L to spare but its road takes one 6,000 L bowser at a time; "b" has 5,000 L.
    const summaries = new Map([["s", summary("s", 0)], ["a", summary("a", KEEP + 30_000)], ["b", summary("b", KEEP + 5_000)]]);
    const routes = new Routes({ routes: [{ between: ["a", "s"], days: 1, carries: { L: 6_000 } }] });
    const coverage: Coverage[] = [];
    const proposals = matchNeeds([request("s", 20_000)], summaries, noDecisions, [], { routes, coverage });
    expect(proposals.map((p) => [p.from, p.quantity.amount])).toEqual([["a", 6_000], ["b", 5_000]]);
    expect(coverage[0]).toMatchObject({ asked: 20_000, proposed: 11_000, uncovered: 9_000 });
    // The bowser is on its way (agreed, not yet in the village's figures): the road takes nothing more.
    const agreed = { ...proposals[0], status: "accepted" as const };
    const next = matchNeeds([request("s", 20_000, { version: 2 })], summaries, noDecisions, [agreed], { routes });
    expect(next.filter((p) => p.status === "proposed").map((p) => [p.from, p.quantity.amount])).toEqual([["b", 5_000]]);
    // A road that carries less than a day's need at once still carries: that is all it can.
    const cart = new Routes({ defaultCarries: { L: 1_500 } });
    expect(matchNeeds([request("s", 20_000)], summaries, noDecisions, [], { routes: cart }).map((p) => [p.from, p.quantity.amount])).toEqual([["a", 1_500], ["b", 1_500]]);
  });

  it("gives in lots of at least a day of the village's need, unless the lot completes the request", () => {
    // Three donors with 1,000 L each above what they keep: each lot would be under a day (2,700 L).
    const small = new Map([["s", summary("s", 0)], ["a", summary("a", KEEP + 1_000)], ["b", summary("b", KEEP + 1_000)], ["c", summary("c", KEEP + 1_000)]]);
    const coverage: Coverage[] = [];
    expect(matchNeeds([request("s", 10_000)], small, noDecisions, [], { coverage })).toEqual([]);
    expect(coverage[0]).toMatchObject({ asked: 10_000, uncovered: 10_000 });
    // 800 L is all that is left to ask: a small lot completes it.
    expect(matchNeeds([request("s", 800)], small, noDecisions).map((p) => p.quantity.amount)).toEqual([800]);
  });

  describe("from what villages offer (fuel, seeds, crews, a generator)", () => {
    const offering = (village: string, offers: ReserveSummary["offers"]) => ({ ...summary(village, 0), offers });
    const ask = (village: string, resource: AidRequest["resource"], amount: number, unit: "L" | "kg" | "kits" | "crew-days") =>
      request(village, amount, { id: `${village}:${resource}#1:0`, resource, quantity: [{ amount, unit }] });

    it("gives divisible offers in part, largest first, and whole ones whole", () => {
      const summaries = new Map([
        ["s", summary("s", 0)],
        ["a", offering("a", [{ resource: "fuel", amount: 30, unit: "L", whole: false, note: "" }])],
        ["b", offering("b", [{ resource: "fuel", amount: 50, unit: "L", whole: false, note: "" }, { resource: "power", amount: 1, unit: "kits", whole: true, note: "5 kW generator" }])],
        ["c", offering("c", [{ resource: "repair-crew", amount: 6, unit: "crew-days", whole: true, note: "three plumbers, two days" }])],
      ]);
      const fuel = matchNeeds([ask("s", "fuel", 60, "L")], summaries, noDecisions);
      expect(fuel.map((p) => [p.from, p.quantity.amount])).toEqual([["b", 50], ["a", 10]]);
      const generator = matchNeeds([ask("s", "power", 1, "kits")], summaries, noDecisions);
      expect(generator.map((p) => [p.from, p.quantity.amount])).toEqual([["b", 1]]);
      // A crew asked for 4 crew-days travels as the crew it is.
      const crew = matchNeeds([ask("s", "repair-crew", 4, "crew-days")], summaries, noDecisions);
      expect(crew.map((p) => [p.from, p.quantity.amount])).toEqual([["c", 6]]);
      // Another unit is another thing: kilograms of fuel are not litres.
      expect(matchNeeds([ask("s", "fuel", 60, "kg")], summaries, noDecisions)).toEqual([]);
    });

    it("counts an agreed transfer against the donor's offer until a summary sent after it agreed shows it", () => {
      const summaries = new Map([["s", summary("s", 0)], ["a", offering("a", [{ resource: "seeds", amount: 30, unit: "kg", whole: false, note: "" }])]]);
      const agreed = { id: "t:seeds#1:0@1>a", requestId: "t:seeds#1:0", from: "a", to: "t", resource: "seeds" as const, quantity: { amount: 25, unit: "kg" as const }, status: "accepted" as const };
      const before = matchNeeds([ask("s", "seeds", 20, "kg")], summaries, noDecisions, [agreed]);
      expect(before.filter((p) => p.status === "proposed").map((p) => p.quantity.amount)).toEqual([5]);
      // Its next summary offers 5 kg: the agreed 25 kg no longer come off it a second time.
      const after = matchNeeds([ask("s", "seeds", 20, "kg")], new Map([...summaries, ["a", offering("a", [{ resource: "seeds", amount: 5, unit: "kg", whole: false, note: "" }])]]), noDecisions, [agreed], {
        deliveries: { inNeed: () => false, inDonor: () => false, inOffers: () => true },
      });
      expect(after.filter((p) => p.status === "proposed").map((p) => p.quantity.amount)).toEqual([5]);
    });

    it("a village asking for seeds offers none; in a region, only its own federation's offers", () => {
      const region = { federationOf: (v: string) => (v === "far" ? "south" : "north"), stockpiles: [] };
      const summaries = new Map([
        ["s", offering("s", [{ resource: "seeds", amount: 99, unit: "kg", whole: false, note: "" }])],
        ["t", summary("t", 0)],
        ["far", offering("far", [{ resource: "seeds", amount: 99, unit: "kg", whole: false, note: "" }])],
      ]);
      const coverage: Coverage[] = [];
      const proposals = matchNeeds([ask("s", "seeds", 10, "kg"), ask("t", "seeds", 10, "kg")], summaries, noDecisions, [], { region, coverage });
      expect(proposals).toEqual([]);
      expect(coverage.map((c) => [c.village, c.uncovered])).toEqual([["s", 10], ["t", 10]]);
    });
  });

  it("says how far each need is covered, and what nobody can cover (seeds nobody offers included)", () => {
    const summaries = new Map([["s", summary("s", 0)], ["a", summary("a", KEEP + 30_000)]]);
    const agreed = { id: "s:water-low#1:0@1>a", requestId: "s:water-low#1:0", from: "a", to: "s", resource: "water" as const, quantity: { amount: 10_000, unit: "L" as const }, status: "accepted" as const };
    const seeds = request("s", 20, { id: "s:crop#1:0", resource: "seeds", quantity: [{ amount: 20, unit: "kg" }] });
    const coverage: Coverage[] = [];
    matchNeeds([request("s", 100_000), seeds], summaries, noDecisions, [agreed], { coverage });
    expect(coverage).toEqual([
      { requestId: "s:crop#1:0", village: "s", resource: "seeds", unit: "kg", asked: 20, inTransit: 0, proposed: 0, uncovered: 20 },
      // a's 30,000 L above what it keeps, less the 10,000 L already on its way
      { requestId: "s:water-low#1:0", village: "s", resource: "water", unit: "L", asked: 100_000, inTransit: 10_000, proposed: 20_000, uncovered: 70_000 },
    ]);
  });

  it("counts an agreed transfer against the need until a version sent after its delivery shows it", () => {
    const summaries = new Map([["s", summary("s", 0)], ["a", summary("a", KEEP + 20_000)]]);
    const agreed = { id: "s:water-low#1:0@1>a", requestId: "s:water-low#1:0", from: "a", to: "s", resource: "water" as const, quantity: { amount: 4_000, unit: "L" as const }, status: "accepted" as const };
    const need = request("s", 4_000, { version: 2, status: "updated" });
    const inTransit = matchNeeds([need], summaries, noDecisions, [agreed]);
    expect(inTransit.filter((p) => p.status === "proposed")).toEqual([]);
    const shown = { inNeed: () => true, inDonor: () => true };
    const after = matchNeeds([need], summaries, noDecisions, [agreed], { deliveries: shown });
    expect(after.map((p) => [p.from, p.quantity.amount, p.status])).toEqual([["a", 4_000, "proposed"]]);
  });
});
