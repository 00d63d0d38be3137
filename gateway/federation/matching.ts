// Needs matching: proposes transfers that cover villages' open requests from other villages'
// surpluses, most urgent first, largest surplus first, without pushing any donor below its own
// target (nor below it by the time the transfer arrives). In a region, a need is offered first to the villages of its own federation (its
// neighbours) and only then to the regional stockpiles, as a last resort; villages of other
// federations are not asked. A road carries only so much at a time (routes.ts): what it cannot
// take now stays uncovered. The rest is rematched from scratch on every change.
//
// Transfers agreed earlier count against their need and their donor until the figures show them:
// against the need until the village has sent a version of its request after the transfer was
// delivered, against the donor until it has sent a summary after that. Stockpile figures are
// fixed, so every transfer agreed from a stockpile comes off it. What no stock figure measures
// (fuel, seeds, crews, a generator) comes from what villages offer (offer-book.ts); an agreed
// transfer comes off the donor's offers until a summary it sent after agreeing shows them.
import type { z } from "zod";
import type { AidRequest, coverageSchema, Proposal, ReserveSummary } from "../../protocol/federation.ts";
import { surplusOf } from "./summary.ts";
import type { Stockpile } from "./region.ts";
import { Routes, type Unit } from "./routes.ts";
import { OfferBook } from "./offer-book.ts";

const URGENCY_ORDER = { Emergency: 0, Priority: 1, Routine: 2 } as const;
const DOMAIN_OF: Partial<Record<AidRequest["resource"], "water" | "food">> = { water: "water", food: "food" };
const UNIT_OF = { water: "L", food: "kcal" } as const;
const DEFAULT_ROUTES = new Routes();
/** The smallest transfer worth a trip, in days of the receiving village's need (unless it completes the request). */
const MIN_LOT_DAYS = 1;

/**
 * A donor village keeps its target plus what it will draw while its transfer is on the road (the
 * route's days), at the larger of its norm and its measured draw: in a drought it goes on drawing
 * without inflow. Without this the region drill showed donors of the dry federations below their
 * targets.
 */
function drawOf(domain: ReserveSummary["water"]): number {
  return domain.stock !== null && domain.daysLeft ? Math.max(domain.dailyNeed, domain.stock / domain.daysLeft) : domain.dailyNeed;
}

export interface Decisions {
  /** Proposal id -> accepted (true) or declined (false). */
  get(id: string): boolean | undefined;
}

/** Where a hub sits in a region; absent: one federation of every village, no stockpiles. */
export interface RegionView {
  federationOf(village: string): string | undefined;
  stockpiles: readonly Stockpile[];
}

export interface MatchOptions {
  /** Where a hub sits in a region; absent: one federation of every village, no stockpiles. */
  region?: RegionView;
  deliveries?: Deliveries;
  /** Filled with each open request's cover. */
  coverage?: Coverage[];
  /** Days on the road per pair; absent: a day everywhere. */
  routes?: Routes;
}

/** Which delivered transfers the figures already show; absent: none (all count as in transit). */
export interface Deliveries {
  /** The request's current version was issued after this transfer arrived. */
  inNeed(proposalId: string): boolean;
  /** The donor's current summary was taken after this transfer left. */
  inDonor(proposalId: string): boolean;
  /** The donor's current summary was taken after it agreed to this transfer: its offers show it. */
  inOffers?(proposalId: string): boolean;
}

const NONE_SHOWN: Deliveries = { inNeed: () => false, inDonor: () => false, inOffers: () => false };

/**
 * How far each open request is covered: by transfers agreed and not yet shown in its figures, by
 * proposals awaiting answers, and what no donor can cover now (the need to escalate).
 */
export type Coverage = z.infer<typeof coverageSchema>;

interface Donor {
  id: string;
  federation: string | undefined;
  stockpile: boolean;
}

export function matchNeeds(
  requests: readonly AidRequest[],
  summaries: ReadonlyMap<string, ReserveSummary>,
  decisions: Decisions,
  accepted: readonly Proposal[] = [],
  options: MatchOptions = {},
): Proposal[] {
  const { region, deliveries = NONE_SHOWN, coverage, routes = DEFAULT_ROUTES } = options;
  const open = requests
    .filter((r) => r.status === "open" || r.status === "updated")
    .sort((a, b) => URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || a.neededBy.localeCompare(b.neededBy) || a.id.localeCompare(b.id));
  const needing = new Set(open.map((r) => `${r.village}:${DOMAIN_OF[r.resource] ?? r.resource}`));
  const left = new Map<string, number>();
  /** A donor's daily draw, and the days of it already kept back for transfers on the road. */
  const draw = new Map<string, number>();
  const keptDays = new Map<string, number>();
  const donors: Donor[] = [];
  for (const s of summaries.values()) {
    donors.push({ id: s.village, federation: region?.federationOf(s.village), stockpile: false });
    for (const domain of ["water", "food"] as const) {
      // A village asking for a resource gives none of it away.
      left.set(`${s.village}:${domain}`, needing.has(`${s.village}:${domain}`) ? 0 : surplusOf(s[domain]));
      draw.set(`${s.village}:${domain}`, drawOf(s[domain]));
    }
  }
  /** What a donor must keep back for a transfer on a road of `days`: its draw for the days not kept back already. */
  const keepFor = (key: string, days: number) => Math.max(0, days - (keptDays.get(key) ?? 0)) * (draw.get(key) ?? 0);
  const keep = (key: string, days: number) => {
    left.set(key, Math.max(0, (left.get(key) ?? 0) - keepFor(key, days)));
    keptDays.set(key, Math.max(keptDays.get(key) ?? 0, days));
  };
  const stockpileIds = new Set<string>();
  for (const p of region?.stockpiles ?? []) {
    donors.push({ id: p.id, federation: undefined, stockpile: true });
    stockpileIds.add(p.id);
    left.set(`${p.id}:water`, p.waterL);
    left.set(`${p.id}:food`, p.foodKcal);
  }
  const offers = new OfferBook(summaries.values(), needing);
  const inTransit = new Map<string, number>();
  /** What is on each road (donor > village, per unit) until the village's figures show it. */
  const onRoad = new Map<string, number>();
  const roadKey = (from: string, to: string, unit: string) => `${from}>${to}:${unit}`;
  /** What the road from `from` to `to` can still take now in `unit`. */
  const roadRoom = (from: string, to: string, unit: Unit) => Math.max(0, routes.carries(from, to, unit) - (onRoad.get(roadKey(from, to, unit)) ?? 0));
  const load = (from: string, to: string, unit: string, amount: number) => onRoad.set(roadKey(from, to, unit), (onRoad.get(roadKey(from, to, unit)) ?? 0) + amount);
  for (const p of accepted) {
    const domain = DOMAIN_OF[p.resource];
    if (!deliveries.inNeed(p.id)) {
      inTransit.set(p.requestId, (inTransit.get(p.requestId) ?? 0) + p.quantity.amount);
      load(p.from, p.to, p.quantity.unit, p.quantity.amount);
    }
    if (!domain) {
      if (!deliveries.inOffers?.(p.id)) offers.takeAgreed(p);
      continue;
    }
    if (stockpileIds.has(p.from) || !deliveries.inDonor(p.id)) {
      const key = `${p.from}:${domain}`;
      keep(key, routes.transitDays(p.from, p.to));
      left.set(key, Math.max(0, (left.get(key) ?? 0) - p.quantity.amount));
    }
  }
  const openIds = new Set(open.map((r) => r.id));
  const proposals: Proposal[] = accepted.filter((p) => openIds.has(p.requestId) && !deliveries.inNeed(p.id));
  for (const request of open) {
    const domain = DOMAIN_OF[request.resource];
    const quantity = domain ? request.quantity.find((q) => q.unit === UNIT_OF[domain]) : undefined;
    const home = region?.federationOf(request.village);
    if (!domain || !quantity) {
      proposals.push(...matchOffer(request));
      continue;
    }
    const transit = inTransit.get(request.id) ?? 0;
    let remaining = quantity.amount - transit;
    const before = Math.max(0, remaining);
    const tier = (d: Donor) => (d.stockpile ? 1 : 0);
    const minLot = (summaries.get(request.village)?.[domain].dailyNeed ?? 0) * MIN_LOT_DAYS;
    const availableTo = (d: Donor) => {
      const key = `${d.id}:${domain}`;
      return Math.max(0, (left.get(key) ?? 0) - keepFor(key, routes.transitDays(d.id, request.village)));
    };
    const candidates = donors
      .filter((d) => d.id !== request.village && (d.stockpile ? region !== undefined : region === undefined || d.federation === home))
      .sort((a, b) => tier(a) - tier(b) || availableTo(b) - availableTo(a) || a.id.localeCompare(b.id));
    for (const donor of candidates) {
      if (remaining <= 0) break;
      const id = `${request.id}@${request.version}>${donor.id}`;
      if (decisions.get(id) !== undefined) continue; // declined, or agreed already (and counted above)
      const key = `${donor.id}:${domain}`;
      const days = routes.transitDays(donor.id, request.village);
      const available = availableTo(donor);
      const room = roadRoom(donor.id, request.village, quantity.unit);
      const amount = Math.floor(Math.min(remaining, available, room));
      // A lot smaller than a day of the village's need is a trip for little: it waits until the
      // donor can give a day's worth (or the road can carry no more at once), or until it is all
      // that is left to ask.
      if (amount <= 0 || (amount < remaining && amount < Math.min(minLot, routes.carries(donor.id, request.village, quantity.unit)))) continue;
      keep(key, days);
      left.set(key, (left.get(key) ?? 0) - amount);
      load(donor.id, request.village, quantity.unit, amount);
      remaining -= amount;
      proposals.push({
        id,
        requestId: request.id,
        from: donor.id,
        to: request.village,
        resource: request.resource,
        quantity: { amount, unit: quantity.unit },
        status: "proposed",
      });
    }
    const uncovered = Math.max(0, remaining);
    coverage?.push({ requestId: request.id, village: request.village, resource: request.resource, unit: quantity.unit, asked: quantity.amount, inTransit: transit, proposed: before - uncovered, uncovered });
  }
  return proposals;

  /** A need no stock figure covers (fuel, seeds, crews, kits): from what villages offer. */
  function matchOffer(request: AidRequest): Proposal[] {
    const q = request.quantity[0];
    const home = region?.federationOf(request.village);
    const transit = inTransit.get(request.id) ?? 0;
    let remaining = q.amount - transit;
    const before = Math.max(0, remaining);
    const out: Proposal[] = [];
    const candidates = donors
      .filter((d) => !d.stockpile && d.id !== request.village && (region === undefined || d.federation === home))
      .map((d) => ({ d, available: offers.available(d.id, request.resource, q.unit) }))
      .filter((c) => c.available > 0)
      .sort((a, b) => b.available - a.available || a.d.id.localeCompare(b.d.id));
    for (const { d } of candidates) {
      if (remaining <= 0) break;
      const id = `${request.id}@${request.version}>${d.id}`;
      if (decisions.get(id) !== undefined) continue;
      const amount = offers.give(d.id, request.resource, q.unit, Math.min(remaining, roadRoom(d.id, request.village, q.unit)));
      if (amount <= 0) continue;
      load(d.id, request.village, q.unit, amount);
      remaining -= amount;
      out.push({ id, requestId: request.id, from: d.id, to: request.village, resource: request.resource, quantity: { amount, unit: q.unit }, status: "proposed" });
    }
    const uncovered = Math.max(0, remaining);
    coverage?.push({ requestId: request.id, village: request.village, resource: request.resource, unit: q.unit, asked: q.amount, inTransit: transit, proposed: Math.max(0, before - uncovered), uncovered });
    return out;
  }
}
