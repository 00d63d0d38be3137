// The federation hub: a broker the villages' links connect to, the needs matching, and the API.
// It knows its member villages; a request from any other village is refused with a code. Several
// hub nodes can share one Redis (HubOptions.redisUrl): each sees every village's messages through
// aedes' Redis emitter, so each holds the same requests and computes the same proposals, and a
// village whose node fails reconnects to another and finds everything there.
import type { Logger } from "pino";
import { isCsError, CsError, type ErrorCode } from "../../protocol/errors.ts";
import { aidRequestSchema, proposalReplySchema, reserveSummarySchema, type AidRequest, type Proposal, type ProposalsMessage, type ReserveSummary } from "../../protocol/federation.ts";
import { fedTopic, parseFedTopic } from "../../protocol/topics.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import { Broker } from "../broker/broker.ts";
import { HttpServer } from "../api/http-server.ts";
import { matchNeeds, type Coverage, type RegionView } from "./matching.ts";
import type { Region } from "./region.ts";
import { Routes } from "./routes.ts";
import type { IdentityStore } from "../security/identities.ts";
import type { Escalation } from "./escalation.ts";

export interface HubOptions {
  villages: readonly string[];
  mqtt: { host: string; port: number; tls?: { certFile: string; keyFile: string } };
  http: { host: string; port: number };
  log: Logger;
  /** Shares the broker's state with the other hub nodes on this Redis. */
  redisUrl?: string;
  /** This node's name among the hub nodes (logs, health, aedes' broker id). */
  nodeId?: string;
  /** A hub for a whole region: its federations (whose villages are the members) and stockpiles. */
  region?: Region;
  /** Days on the road between villages; absent: the region file's `transit`, or a day everywhere. */
  routes?: Routes;
  /**
   * Given: every village proves its hub identity (`npm run enrol -- --village <id>`) and may
   * publish only its own summary, requests and answers. Absent: any client may connect.
   */
  identities?: IdentityStore;
  /** Where needs nobody in the region can cover go on to (`--escalate-to`); absent: they stay listed here. */
  escalation?: Escalation;
}

export class FederationHub {
  readonly broker: Broker;
  readonly http: HttpServer;
  readonly requests = new Map<string, AidRequest>();
  readonly summaries = new Map<string, ReserveSummary>();
  readonly decisions = new Map<string, boolean>();
  /** Transfers both sides agreed to, frozen as agreed ("accepted", then "dispatched" once sent). */
  readonly accepted = new Map<string, Proposal>();
  /**
   * Agreed transfers whose need went away (the request withdrawn or fulfilled, or a new version
   * that the rest agreed covers) before the donor sent them: the donor keeps them. Each village's
   * list shows its newest few, so the donor hears it.
   */
  readonly cancelled = new Map<string, Proposal>();
  /** Accepted transfers the receiving village has confirmed as arrived, with the step they arrived at. */
  readonly delivered = new Map<string, number>();
  /** The step each transfer was agreed at: a donor's offers show it from its next summary. */
  private readonly agreedStep = new Map<string, number>();
  /** A counter of applied messages: orders deliveries against request versions and summaries. */
  private step = 0;
  private readonly requestStep = new Map<string, number>();
  private readonly summaryStep = new Map<string, number>();
  readonly rejected: Partial<Record<ErrorCode, number>> = {};
  proposals: Proposal[] = [];
  /** Each open request's cover as of the last match: what no donor can give now is escalated. */
  needs: Coverage[] = [];
  /** Every distinct (request id, version) received: how duplicates are counted. */
  readonly received: { id: string; version: number; status: string; village: string; resource: string; amount: number; unit: string }[] = [];
  private readonly o: HubOptions;
  private readonly members: Set<string>;
  /** What this node last published as each village's proposals. */
  private readonly published = new Map<string, string>();
  private readonly regionView: RegionView | undefined;
  private readonly routes: Routes;
  private escalationsPublished: string | undefined;
  /** Inside batch(): changes are applied and matched once at the end. */
  private batching = 0;
  private dirty = false;

  constructor(options: HubOptions) {
    this.o = options;
    this.members = new Set(options.villages);
    this.routes = options.routes ?? new Routes(options.region?.transit);
    if (options.region) {
      const federationOf = new Map(options.region.federations.flatMap((f) => f.villages.map((v) => [v, f.id] as const)));
      for (const v of federationOf.keys()) this.members.add(v);
      this.regionView = { federationOf: (v) => federationOf.get(v), stockpiles: options.region.stockpiles };
    }
    this.broker = new Broker({
      host: options.mqtt.host,
      port: options.mqtt.port,
      tls: options.mqtt.tls,
      redisUrl: options.redisUrl,
      nodeId: options.nodeId,
      identities: options.identities,
      log: options.log.child({ module: "hub-broker", node: options.nodeId }),
    });
    this.http = new HttpServer({
      host: options.http.host,
      port: options.http.port,
      log: options.log.child({ module: "hub-http" }),
      routes: (router) => {
        router.get("/federation/proposals", (_req, res) => res.json(this.proposals));
        router.get("/federation/requests", (_req, res) => res.json([...this.requests.values()]));
        // Open needs and how far they are covered: "uncovered" is what nobody in reach can give.
        router.get("/federation/needs", (_req, res) => res.json(this.needs));
        router.get("/federation/villages", (_req, res) => res.json([...this.summaries.values()]));
        // Every (request, version) this node applied, in order: the audit trail of what arrived.
        router.get("/federation/received", (_req, res) => res.json(this.received));
        // What went outside the region, its state there, and what the outside hub proposes back.
        router.get("/federation/escalated", (_req, res) => res.json(this.o.escalation?.view() ?? { to: null, escalated: [], proposals: [] }));
      },
      health: () => {
        const broker = this.broker.health();
        return {
          status: broker.state === "up" && broker.shared !== "down" ? "ok" : "degraded",
          node: this.o.nodeId ?? "single",
          shared: this.o.redisUrl ? "redis" : "none",
          redis: broker.shared,
          clients: broker.clients,
          members: [...this.members],
          requests: this.requests.size,
          uncoveredNeeds: this.needs.filter((n) => n.uncovered > 0).map((n) => `${n.village}: ${n.resource} ${n.uncovered} ${n.unit}`),
          received: this.received.length,
          escalation: this.o.escalation && { to: this.o.escalation.view().to, connected: this.o.escalation.connected },
          rejected: this.rejected,
          access: broker.access,
          // Villages refused at the broker: another village's topics, an unknown identity.
          refused: broker.refused,
          lastRefusals: broker.lastRefusals,
        };
      },
    });
  }

  async start(): Promise<void> {
    await this.broker.start();
    // Through the broker's emitter, not its client-publish hook: with Redis, a village connected to
    // another node is heard here too.
    for (const kind of ["aid-requests", "summary", "proposal-replies"] as const) {
      await this.broker.subscribe(fedTopic("+", kind), (topic, payload) => void this.handle(topic, payload));
    }
    await this.http.start();
    if (this.o.escalation) {
      this.o.escalation.onChange = () => this.publishEscalations();
      this.publishEscalations();
      await this.o.escalation.start();
    }
  }

  async stop(): Promise<void> {
    await this.o.escalation?.stop();
    await this.http.stop();
    await this.broker.stop();
  }

  /** Validates and applies one message; returns the error code when refused. */
  handle(topic: string, payload: Buffer): ErrorCode | undefined {
    const parsed = parseFedTopic(topic);
    if (!parsed || parsed.kind === "proposals" || parsed.kind === "escalations") return undefined;
    try {
      if (!this.members.has(parsed.village)) throw new CsError("CS_ERR_VILLAGE_UNKNOWN", parsed.village);
      const json = parseJson(payload);
      if (parsed.kind === "aid-requests") this.applyRequest(parsed.village, json);
      else if (parsed.kind === "summary") this.applySummary(parsed.village, json);
      else if (parsed.kind === "proposal-replies") this.applyReply(parsed.village, json);
      return undefined;
    } catch (err) {
      if (!isCsError(err)) throw err;
      this.rejected[err.code] = (this.rejected[err.code] ?? 0) + 1;
      this.o.log.warn({ topic, code: err.code, reason: err.message }, "federation message refused");
      return err.code;
    }
  }

  private applyRequest(village: string, json: unknown): void {
    const r = aidRequestSchema.safeParse(json);
    if (!r.success) throw new CsError("CS_ERR_AID_REQUEST_INVALID", describeIssues(r.error).join("; "));
    if (r.data.village !== village) throw new CsError("CS_ERR_AID_REQUEST_INVALID", `topic names ${village}, request ${r.data.village}`);
    const known = this.requests.get(r.data.id);
    if (known && known.version >= r.data.version) return; // a resend: already applied
    this.requests.set(r.data.id, r.data);
    this.requestStep.set(r.data.id, ++this.step);
    const q = r.data.quantity[0];
    this.received.push({ id: r.data.id, version: r.data.version, status: r.data.status, village, resource: r.data.resource, amount: q.amount, unit: q.unit });
    if (r.data.status === "withdrawn" || r.data.status === "fulfilled") this.cancelUnsent(r.data.id);
    else this.cancelExcess(r.data);
    this.rematch();
  }

  private applySummary(village: string, json: unknown): void {
    const s = reserveSummarySchema.safeParse(json);
    if (!s.success || s.data.village !== village) throw new CsError("CS_ERR_PAYLOAD_SCHEMA", s.success ? "village mismatch" : describeIssues(s.error).join("; "));
    this.summaries.set(village, s.data);
    this.summaryStep.set(village, ++this.step);
    // A link sends its summary on every (re)connect: send that village its proposals again even if
    // this node thinks it has, since a message can be lost with a dying node (aedes acks QoS 1
    // before passing it on) and the village may have reached this node through a failover.
    this.published.delete(village);
    this.rematch();
  }

  private applyReply(village: string, json: unknown): void {
    const r = proposalReplySchema.safeParse(json);
    if (!r.success) throw new CsError("CS_ERR_PAYLOAD_SCHEMA", describeIssues(r.error).join("; "));
    const proposal = this.proposals.find((p) => p.id === r.data.proposalId);
    if (r.data.delivered) {
      const agreed = this.accepted.get(r.data.proposalId);
      if (!agreed || agreed.to !== village) throw new CsError("CS_ERR_PAYLOAD_SCHEMA", `no accepted transfer ${r.data.proposalId} to ${village}`);
      return this.markDelivered(agreed.id);
    }
    if (r.data.dispatched) {
      const agreed = this.accepted.get(r.data.proposalId);
      if (!agreed || agreed.from !== village) {
        const gone = this.cancelled.get(r.data.proposalId)?.from === village;
        throw new CsError("CS_ERR_PAYLOAD_SCHEMA", gone ? `transfer ${r.data.proposalId} was cancelled: the need is gone or met by the rest, keep it` : `no accepted transfer ${r.data.proposalId} from ${village}`);
      }
      return this.markDispatched(agreed.id);
    }
    if (!proposal || (proposal.from !== village && proposal.to !== village)) throw new CsError("CS_ERR_PAYLOAD_SCHEMA", `no proposal ${r.data.proposalId} for ${village}`);
    this.decide(proposal.id, r.data.accept);
  }

  /** The receiving village confirmed an accepted transfer arrived: it is in the stocks now. */
  markDelivered(proposalId: string): void {
    if (!this.accepted.has(proposalId) || this.delivered.has(proposalId)) return;
    this.delivered.set(proposalId, ++this.step);
    this.rematch();
  }

  /** The giving village sent an accepted transfer on its way: it arrives whatever becomes of the need. */
  markDispatched(proposalId: string): void {
    const agreed = this.accepted.get(proposalId);
    if (!agreed || agreed.status === "dispatched") return;
    this.accepted.set(proposalId, { ...agreed, status: "dispatched" });
    this.rematch();
  }

  /**
   * The need behind a request is gone: what was agreed for it and not yet sent stays with its donor
   * (counted against neither side any more). What is on the road arrives and is confirmed as ever.
   */
  private cancelUnsent(requestId: string): void {
    for (const p of this.onTheWay(requestId)) if (p.status === "accepted") this.cancel(p, "the need is gone");
  }

  /**
   * A new version asking less than what is agreed and on its way for it (a request's amount counts
   * what is on the road: its figures do not show it yet): agreed transfers not yet sent, newest
   * first, are cancelled as long as what stays agreed still covers the need.
   */
  private cancelExcess(request: AidRequest): void {
    const unsent = this.onTheWay(request.id).filter((p) => p.status === "accepted").sort((a, b) => (this.agreedStep.get(b.id) ?? 0) - (this.agreedStep.get(a.id) ?? 0));
    for (const p of unsent) {
      const asked = request.quantity.find((q) => q.unit === p.quantity.unit)?.amount;
      if (asked === undefined) continue;
      const agreed = this.onTheWay(request.id).filter((q) => q.quantity.unit === p.quantity.unit).reduce((n, q) => n + q.quantity.amount, 0);
      if (agreed - p.quantity.amount >= asked) this.cancel(p, `the need shrank to ${asked} ${p.quantity.unit}, which the rest agreed covers`);
    }
  }

  /** Agreed transfers for a request not yet confirmed as arrived, sent or not. */
  private onTheWay(requestId: string): Proposal[] {
    return [...this.accepted.values()].filter((p) => p.requestId === requestId && !this.delivered.has(p.id));
  }

  private cancel(p: Proposal, why: string): void {
    this.accepted.delete(p.id);
    this.agreedStep.delete(p.id);
    this.cancelled.set(p.id, { ...p, status: "cancelled" });
    if (this.cancelled.size > CANCELLED_KEPT) this.cancelled.delete(this.cancelled.keys().next().value!);
    this.o.log.info({ proposal: p.id, from: p.from, to: p.to, why }, "agreed transfer cancelled before it was sent");
  }

  /** Records a village's answer to a proposal and rematches. */
  decide(proposalId: string, accept: boolean): void {
    const proposal = this.proposals.find((p) => p.id === proposalId);
    if (!proposal || proposal.status !== "proposed") return;
    this.decisions.set(proposalId, accept);
    if (accept) {
      this.accepted.set(proposalId, { ...proposal, status: "accepted" });
      this.agreedStep.set(proposalId, ++this.step);
    }
    this.rematch();
  }

  /** A delivered transfer whose later figures (the step `figuresAt` gives) already show it. */
  private shownAfterDelivery(proposalId: string, figuresAt: (p: Proposal) => number | undefined): boolean {
    const at = this.delivered.get(proposalId);
    const p = this.accepted.get(proposalId);
    return at !== undefined && p !== undefined && (figuresAt(p) ?? 0) > at;
  }

  /** Applies many messages (a drill's hour of summaries) and matches once afterwards. */
  batch<T>(work: () => T): T {
    this.batching++;
    try {
      return work();
    } finally {
      this.batching--;
      if (this.batching === 0 && this.dirty) this.rematch();
    }
  }

  /** Every village hears, retained, what this hub sent outside the region and whether it arrived there. */
  private publishEscalations(): void {
    const message = JSON.stringify(this.o.escalation!.message());
    if (message === this.escalationsPublished || !this.broker.aedes) return;
    this.escalationsPublished = message;
    for (const village of this.members) this.broker.publish(fedTopic(village, "escalations"), message, { qos: 1, retain: true });
  }

  rematch(): void {
    if (this.batching > 0) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const needs: Coverage[] = [];
    this.proposals = matchNeeds([...this.requests.values()], this.summaries, this.decisions, [...this.accepted.values()], {
      region: this.regionView,
      deliveries: {
        inNeed: (id) => this.shownAfterDelivery(id, (p) => this.requestStep.get(p.requestId)),
        inDonor: (id) => this.shownAfterDelivery(id, (p) => this.summaryStep.get(p.from)),
        inOffers: (id) => {
          const p = this.accepted.get(id);
          return p !== undefined && (this.summaryStep.get(p.from) ?? 0) > (this.agreedStep.get(id) ?? Infinity);
        },
      },
      coverage: needs,
      routes: this.routes,
    });
    this.needs = needs;
    this.o.escalation?.update(needs, this.requests);
    // A transfer the receiver confirmed as arrived is done: it is no longer listed (it counts
    // against its need until the need's figures show it, as matching has it). Sent transfers of
    // needs that have since closed are still on the road: both villages keep seeing them until the
    // receiver confirms the arrival. Cancelled ones: the newest few.
    this.proposals = this.proposals.filter((p) => !this.delivered.has(p.id));
    const open = new Set(this.proposals.map((p) => p.id));
    for (const p of this.accepted.values()) if (p.status === "dispatched" && !open.has(p.id) && !this.delivered.has(p.id)) this.proposals.push(p);
    this.proposals.push(...[...this.cancelled.values()].slice(-CANCELLED_LISTED));
    if (!this.broker.aedes) return; // drills run the hub's logic without its broker
    const uncovered = this.needs.filter((n) => n.uncovered > 0);
    for (const village of this.members) {
      const message: ProposalsMessage = {
        summaryTs: this.summaries.get(village)?.ts ?? "",
        proposals: this.proposals.filter((p) => p.from === village || p.to === village),
        uncovered,
      };
      const mine = JSON.stringify(message);
      // Unchanged lists are not sent again: every node computes the same, and a region has hundreds.
      if (this.published.get(village) === mine) continue;
      this.published.set(village, mine);
      this.broker.publish(fedTopic(village, "proposals"), mine, { qos: 1, retain: true });
    }
  }
}

/** Cancelled transfers listed: enough for a donor to hear of each, bounded for a region's years. */
const CANCELLED_LISTED = 50;
const CANCELLED_KEPT = 500;

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString("utf8"));
  } catch (err) {
    throw new CsError("CS_ERR_PAYLOAD_NOT_JSON", (err as Error).message);
  }
}
