// Needs matching: proposes transfers that cover villages' open requests from other villages'
// surpluses, most urgent first, largest surplus first, without pushing any donor below its own
// target (nor below it by the time the transfer arrives). In a region, a need is offered first to the villages of its own federation (its
// neighbours) and only then to the regional stockpiles, as a last resort; villages of other
// federations are not asked. The rest is rematched from scratch on every change.
//
// Transfers agreed earlier count against their need and their donor until the figures show them:
// against the need until the village has sent a version of its request after the transfer was
// delivered, against the donor until it has sent a summary after that. Stockpile figures are
// fixed, so every transfer agreed from a stockpile comes off it.
import type { AidRequest, Proposal, ReserveSummary } from "../../protocol/federation.ts";
import { surplusOf } from "./summary.ts";
import type { Stockpile } from "./region.ts";

const URGENCY_ORDER = { Emergency: 0, Priority: 1, Routine: 2 } as const;
const DOMAIN_OF: Partial<Record<AidRequest["resource"], "water" | "food">> = { water: "water", food: "food" };
const UNIT_OF = { water: "L", food: "kcal" } as const;
/**
 * A donor village keeps its target plus what it will draw while a transfer is on its way (about a
 * day), at the larger of its norm and its measured draw: in a drought it goes on drawing without
 * inflow. Without this the region drill showed donors of the dry federations below their targets.
 */
const TRANSIT_DAYS = 1;

function givable(domain: ReserveSummary["water"]): number {
  const draw = domain.stock !== null && domain.daysLeft ? Math.max(domain.dailyNeed, domain.stock / domain.daysLeft) : domain.dailyNeed;
  return Math.max(0, surplusOf(domain) - TRANSIT_DAYS * draw);
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

/** Which delivered transfers the figures already show; absent: none (all count as in transit). */
export interface Deliveries {
  /** The request's current version was issued after this transfer arrived. */
  inNeed(proposalId: string): boolean;
  /** The donor's current summary was taken after this transfer left. */
  inDonor(proposalId: string): boolean;
}

const NONE_SHOWN: Deliveries = { inNeed: () => false, inDonor: () => false };

/**
 * How far each open request is covered: by transfers agreed and not yet shown in its figures, by
 * proposals awaiting answers, and what no donor can cover now (the need to escalate). A resource
 * the hub holds no stock figures for (seeds, crews, kits) is all uncovered.
 */
export interface Coverage {
  requestId: string;
  village: string;
  resource: AidRequest["resource"];
  unit: string;
  asked: number;
  inTransit: number;
  proposed: number;
  uncovered: number;
}

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
  region?: RegionView,
  deliveries: Deliveries = NONE_SHOWN,
  coverage?: Coverage[],
): Proposal[] {
  const open = requests
    .filter((r) => r.status === "open" || r.status === "updated")
    .sort((a, b) => URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || a.neededBy.localeCompare(b.neededBy) || a.id.localeCompare(b.id));
  const needing = new Set(open.map((r) => `${r.village}:${DOMAIN_OF[r.resource] ?? r.resource}`));
  const left = new Map<string, number>();
  const donors: Donor[] = [];
  for (const s of summaries.values()) {
    donors.push({ id: s.village, federation: region?.federationOf(s.village), stockpile: false });
    for (const domain of ["water", "food"] as const) {
      // A village asking for a resource gives none of it away.
      left.set(`${s.village}:${domain}`, needing.has(`${s.village}:${domain}`) ? 0 : givable(s[domain]));
    }
  }
  const stockpileIds = new Set<string>();
  for (const p of region?.stockpiles ?? []) {
    donors.push({ id: p.id, federation: undefined, stockpile: true });
    stockpileIds.add(p.id);
    left.set(`${p.id}:water`, p.waterL);
    left.set(`${p.id}:food`, p.foodKcal);
  }
  const inTransit = new Map<string, number>();
  for (const p of accepted) {
    const domain = DOMAIN_OF[p.resource];
    if (!domain) continue;
    if (!deliveries.inNeed(p.id)) inTransit.set(p.requestId, (inTransit.get(p.requestId) ?? 0) + p.quantity.amount);
    if (stockpileIds.has(p.from) || !deliveries.inDonor(p.id)) {
      const key = `${p.from}:${domain}`;
      left.set(key, Math.max(0, (left.get(key) ?? 0) - p.quantity.amount));
    }
  }
  const openIds = new Set(open.map((r) => r.id));
  const proposals: Proposal[] = accepted.filter((p) => openIds.has(p.requestId) && !deliveries.inNeed(p.id));
  for (const request of open) {
    const domain = DOMAIN_OF[request.resource];
    const quantity = domain ? request.quantity.find((q) => q.unit === UNIT_OF[domain]) : undefined;
    if (!domain || !quantity) {
      // No stock data for it: the need stays visible, unmatched.
      const q = request.quantity[0];
      coverage?.push({ requestId: request.id, village: request.village, resource: request.resource, unit: q.unit, asked: q.amount, inTransit: 0, proposed: 0, uncovered: q.amount });
      continue;
    }
    const transit = inTransit.get(request.id) ?? 0;
    let remaining = quantity.amount - transit;
    const before = Math.max(0, remaining);
    const home = region?.federationOf(request.village);
    const tier = (d: Donor) => (d.stockpile ? 1 : 0);
    const candidates = donors
      .filter((d) => d.id !== request.village && (d.stockpile ? region !== undefined : region === undefined || d.federation === home))
      .sort((a, b) => tier(a) - tier(b) || (left.get(`${b.id}:${domain}`) ?? 0) - (left.get(`${a.id}:${domain}`) ?? 0) || a.id.localeCompare(b.id));
    for (const donor of candidates) {
      if (remaining <= 0) break;
      const id = `${request.id}@${request.version}>${donor.id}`;
      if (decisions.get(id) !== undefined) continue; // declined, or agreed already (and counted above)
      const available = left.get(`${donor.id}:${domain}`) ?? 0;
      const amount = Math.floor(Math.min(remaining, available));
      if (amount <= 0) continue;
      left.set(`${donor.id}:${domain}`, available - amount);
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
}
