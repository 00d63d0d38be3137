// Needs matching: proposes transfers that cover villages' open requests from other villages'
// surpluses, most urgent first, largest surplus first, without pushing any donor below its own
// target. Accepted transfers stand as agreed and count against the need; the rest is rematched
// from scratch on every change.
import type { AidRequest, Proposal, ReserveSummary } from "../../protocol/federation.ts";
import { surplusOf } from "./summary.ts";

const URGENCY_ORDER = { Emergency: 0, Priority: 1, Routine: 2 } as const;
const DOMAIN_OF: Partial<Record<AidRequest["resource"], "water" | "food">> = { water: "water", food: "food" };

export interface Decisions {
  /** Proposal id -> accepted (true) or declined (false). */
  get(id: string): boolean | undefined;
}

export function matchNeeds(
  requests: readonly AidRequest[],
  summaries: ReadonlyMap<string, ReserveSummary>,
  decisions: Decisions,
  accepted: readonly Proposal[] = [],
): Proposal[] {
  const open = requests
    .filter((r) => r.status === "open" || r.status === "updated")
    .sort((a, b) => URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || a.neededBy.localeCompare(b.neededBy) || a.id.localeCompare(b.id));
  const needing = new Set(open.map((r) => `${r.village}:${DOMAIN_OF[r.resource] ?? r.resource}`));
  const left = new Map<string, number>();
  for (const s of summaries.values()) {
    for (const domain of ["water", "food"] as const) {
      // A village asking for a resource gives none of it away.
      left.set(`${s.village}:${domain}`, needing.has(`${s.village}:${domain}`) ? 0 : surplusOf(s[domain]));
    }
  }
  const openIds = new Set(open.map((r) => r.id));
  const proposals: Proposal[] = accepted.filter((p) => openIds.has(p.requestId));
  for (const request of open) {
    const domain = DOMAIN_OF[request.resource];
    const summaryUnit = domain ? [...summaries.values()][0]?.[domain].unit : undefined;
    const quantity = request.quantity.find((q) => q.unit === summaryUnit);
    if (!domain || !quantity) continue; // no stock data for it: the need stays visible, unmatched
    const committed = accepted.filter((p) => p.requestId === request.id).reduce((n, p) => n + p.quantity.amount, 0);
    let remaining = quantity.amount - committed;
    const donors = [...summaries.values()]
      .filter((s) => s.village !== request.village)
      .sort((a, b) => (left.get(`${b.village}:${domain}`) ?? 0) - (left.get(`${a.village}:${domain}`) ?? 0) || a.village.localeCompare(b.village));
    for (const donor of donors) {
      if (remaining <= 0) break;
      const id = `${request.id}@${request.version}>${donor.village}`;
      if (decisions.get(id) === false) continue;
      const available = left.get(`${donor.village}:${domain}`) ?? 0;
      const amount = Math.floor(Math.min(remaining, available));
      if (amount <= 0) continue;
      left.set(`${donor.village}:${domain}`, available - amount);
      remaining -= amount;
      proposals.push({
        id,
        requestId: request.id,
        from: donor.village,
        to: request.village,
        resource: request.resource,
        quantity: { amount, unit: quantity.unit },
        status: "proposed",
      });
    }
  }
  return proposals;
}
