// Escalation without a screen: how long this village's own needs have found no giver in the
// federation, as the hub last said (its `uncovered` list). Kept as figures, so a rule raises an
// alert on them (default-rules.yaml: aid-uncovered) and the alert goes wherever alerts go (the
// alarm channel, SMS, a lamp): someone takes the need to the region or to outside help. Missing,
// never 0, while there is no federation link or nothing has been heard from the hub yet.
import type { ProposalsMessage } from "../../protocol/federation.ts";
import { figure, type Figures } from "../reserves/figures.ts";

/** The same figures, missing, each saying why. */
function missing(why: string): Figures {
  return {
    "federation.uncoveredNeeds": figure(null, "needs", [why]),
    "federation.uncoveredHours": figure(null, "h", [why]),
    "federation.uncoveredEmergencyHours": figure(null, "h", [why]),
  };
}

/** The figures where the village has no federation link. */
export function noFederationFigures(): Figures {
  return missing("no federation link configured");
}

export class UncoveredNeeds {
  /** Request id -> since when the hub has listed it with something nobody can give. */
  private readonly since = new Map<string, number>();
  private heard = false;

  /** `urgencyOf`: this village's own request's urgency, from its trigger state. */
  constructor(private readonly o: { village: string; now: () => number; linkUp: () => boolean; urgencyOf: (requestId: string) => string | undefined }) {}

  /** Each list the hub sends (every village's uncovered needs): this village's are followed. */
  update(uncovered: ProposalsMessage["uncovered"]): void {
    this.heard = true;
    const now = this.o.now();
    const mine = new Set(uncovered.filter((n) => n.village === this.o.village && n.uncovered > 0).map((n) => n.requestId));
    for (const id of this.since.keys()) if (!mine.has(id)) this.since.delete(id);
    for (const id of mine) if (!this.since.has(id)) this.since.set(id, now);
  }

  figures(): Figures {
    if (!this.heard) return missing("nothing heard from the federation hub yet");
    // Down, the hub's last word stands (and the wait goes on counting): help is no nearer for it.
    const doubt = this.o.linkUp() ? [] : ["as the hub last said: the federation link is down"];
    const now = this.o.now();
    const hoursSince = (ids: string[]) => (ids.length ? (now - Math.min(...ids.map((id) => this.since.get(id)!))) / 3_600_000 : 0);
    const ids = [...this.since.keys()];
    return {
      "federation.uncoveredNeeds": figure(ids.length, "needs", doubt),
      "federation.uncoveredHours": figure(hoursSince(ids), "h", doubt),
      "federation.uncoveredEmergencyHours": figure(hoursSince(ids.filter((id) => this.o.urgencyOf(id) === "Emergency")), "h", doubt),
    };
  }
}
