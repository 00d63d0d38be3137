// The federation link: an MQTT client from the village gateway to the federation hub. Aid requests
// wait in the durable outbox (TriggerState) while the link is down and are sent in order once it is
// up; each is marked sent after the hub's PUBACK. The hub keeps the highest version per request id,
// so a resend after a crash is harmless. The reserve summary is retained and refreshed each minute.
import { readFileSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { aidRequestSchema, escalationsMessageSchema, proposalsMessageSchema, type AidRequest, type EscalationsMessage, type Proposal, type ProposalsMessage, type ReserveSummary } from "../../protocol/federation.ts";
import type { TriggerState } from "../triggers/trigger-state.ts";
import { parsePayload } from "../../protocol/parse-payload.ts";
import { fedTopic, parseFedTopic } from "../../protocol/topics.ts";
import { mqttServer } from "./mqtt-server.ts";

export interface FederationLinkOptions {
  village: string;
  /** One hub, or the nodes of a hub on Redis: the link moves to the next one when it loses its node. */
  hubUrls: readonly string[];
  /** For mqtts:// hubs: the CA to trust (PEM), and a client certificate where the hub asks for one. */
  /** PEM files, read when the link starts. */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  state: TriggerState;
  summary: () => ReserveSummary;
  /** Each proposals list the hub sends this village, once taken (offers come off what it agreed to give). */
  onProposals?: (proposals: readonly Proposal[]) => void;
  log: Logger;
  username?: string;
  password?: string;
  summaryIntervalMs?: number;
  reconnectPeriodMs?: number;
  /** The gateway's clock (simulated in drills and `npm start --speed`): "this week" is by it. */
  now?: () => number;
}

export class FederationLink {
  proposals: Proposal[] = [];
  /** Every village's needs nobody in reach can cover, as the hub last said. */
  uncovered: ProposalsMessage["uncovered"] = [];
  /** What the hub sent on outside its region, as it last said (nothing from a hub that sends none). */
  escalated: EscalationsMessage["escalated"] = [];
  /** Neighbours' aid requests as the hub relays them, newest version of each. */
  readonly neighbourRequests = new Map<string, AidRequest>();
  sent = 0;
  private readonly o: FederationLinkOptions;
  private client: MqttClient | undefined;
  private draining = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  /** The tag of the proposals list held (see proposalsMessageSchema), ms: older lists are stale. */
  private proposalsTagMs = -Infinity;

  constructor(options: FederationLinkOptions) {
    this.o = options;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(): Promise<void> {
    const tls = this.o.tls;
    const servers = this.o.hubUrls.map(mqttServer);
    this.client = mqtt.connect({
      // mqtt.js moves to the next server on every reconnect: a dead hub node is left for the next.
      servers,
      ...servers[0],
      ...(tls && {
        ca: readFileSync(tls.caFile),
        ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
        ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
      }),
      rejectUnauthorized: true,
      // The village's own identity's client id: the hub refuses any other (see ownsClientId).
      clientId: this.o.username ?? this.o.village,
      // A persistent session: what the hub has for this village while the link is down (a
      // neighbour's request, new proposals) waits in the session, on Redis for a hub of several
      // nodes, and arrives at whichever node the link reaches next.
      clean: false,
      username: this.o.username,
      password: this.o.password,
      reconnectPeriod: this.o.reconnectPeriodMs ?? 2_000,
      connectTimeout: 10_000,
    });
    this.client.on("connect", () => {
      this.o.log.info({ hub: `${this.client!.options.protocol}://${this.client!.options.host}:${this.client!.options.port}` }, "federation link up");
      const client = this.client!;
      // Its proposals, and every village's requests (the aid page shows the neighbours' too). Two
      // SUBSCRIBEs: one with both filters now and then got no SUBACK from aedes on Redis. The
      // summary goes after the SUBACKs: the hub answers it by sending this village its proposals
      // again, which must find the subscription in place (after a failover, the last list may have
      // died with the old node).
      Promise.all([
        client.subscribeAsync(fedTopic(this.o.village, "proposals"), { qos: 1 }),
        client.subscribeAsync(fedTopic("+", "aid-requests"), { qos: 1 }),
        // A hub from before escalations refuses this one filter (SUBACK 0x80); the rest stands.
        client.subscribeAsync(fedTopic(this.o.village, "escalations"), { qos: 1 }),
      ])
        .then(() => this.publishSummary())
        .catch((err: Error) => this.o.log.warn({ err: err.message }, "federation subscriptions failed; retried on reconnect"));
      void this.drain().then(() => this.reannounce());
    });
    this.client.on("offline", () => this.o.log.warn("federation link down; the village runs alone and requests wait"));
    this.client.on("error", (err) => this.o.log.warn({ err: err.message }, "federation link error"));
    this.client.on("message", (topic, payload) => {
      const from = parseFedTopic(topic);
      if (from?.kind === "aid-requests") {
        if (from.village === this.o.village) return;
        const request = parsePayload(aidRequestSchema, payload);
        if (!request?.success || request.data.village !== from.village) return void this.o.log.warn({ topic }, "malformed aid request from a neighbour ignored");
        const known = this.neighbourRequests.get(request.data.id);
        if (!known || known.version < request.data.version) this.neighbourRequests.set(request.data.id, request.data);
        return;
      }
      if (from?.kind === "escalations") {
        const escalations = parsePayload(escalationsMessageSchema, payload);
        if (!escalations?.success) return void this.o.log.warn("malformed escalations from hub ignored");
        this.escalated = escalations.data.escalated;
        return;
      }
      const parsed = parsePayload(proposalsMessageSchema, payload);
      if (!parsed?.success) return void this.o.log.warn("malformed proposals from hub ignored");
      const tag = tagMs(parsed.data.summaryTs);
      if (tag < this.proposalsTagMs) return void this.o.log.debug({ village: this.o.village, topic, tag: parsed.data.summaryTs }, "stale proposals ignored");
      this.proposalsTagMs = tag;
      this.proposals = parsed.data.proposals;
      this.uncovered = parsed.data.uncovered;
      this.o.onProposals?.(this.proposals);
      this.o.log.debug({ village: this.o.village, tag: parsed.data.summaryTs, proposals: this.proposals.length }, "proposals from hub");
    });
    this.timer = setInterval(() => this.publishSummary(), this.o.summaryIntervalMs ?? 60_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.endAsync(true);
  }

  /** Sends what the outbox holds, in order; safe to call at any time. */
  async drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const client = this.client;
          if (!client?.connected) return;
          // Only what a power cut cannot undo leaves the village: the hub would act on it.
          const batch = this.o.state.unsent(50, await this.o.state.durable());
          if (batch.length === 0) break;
          for (const row of batch) {
            await client.publishAsync(row.topic, row.payload, { qos: 1 });
            this.o.state.markSent(row.seq);
            this.sent++;
          }
        }
      } while (this.again);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "federation send interrupted; will resume on reconnect");
    } finally {
      this.draining = false;
    }
  }

  /**
   * A hub keeps requests in memory: after it restarts it knows none. And a hub node acknowledges a
   * message before it has passed it to the other nodes (aedes acks QoS 1 first): killed in between,
   * the message is gone although the outbox counts it sent. Every (re)connect therefore sends the
   * latest version of each request still open, and of each closed in the last week, so that a
   * withdrawal lost that way still arrives; the hub ignores versions it has.
   */
  private async reannounce(): Promise<void> {
    const client = this.client;
    if (!client?.connected) return;
    const since = (this.o.now ?? Date.now)() - 7 * 86_400_000;
    const active = this.o.state.aidRequests().filter((r) => r.status === "open" || r.status === "updated" || Date.parse(r.updatedAt) >= since);
    try {
      for (const r of active) await client.publishAsync(fedTopic(this.o.village, "aid-requests"), JSON.stringify(r), { qos: 1 });
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "re-announcing open requests interrupted; will retry on reconnect");
    }
  }

  /** accept or decline a proposal; `then`: an accepted transfer has arrived here, or left from here. */
  reply(proposalId: string, accept: boolean, then?: "delivered" | "dispatched"): Promise<unknown> {
    if (!this.client?.connected) return Promise.reject(new Error("federation link is down"));
    const body = { proposalId, village: this.o.village, accept, ...(then ? { [then]: true } : {}) };
    return this.client.publishAsync(fedTopic(this.o.village, "proposal-replies"), JSON.stringify(body), { qos: 1 });
  }

  /** Sends the reserve summary now, besides every summaryIntervalMs: when the offers change. */
  publishSummary(): void {
    if (!this.client?.connected) return;
    const summary = this.o.summary();
    // The village's clock went back (set by hand, or a Pi that booted without NTP): the hub's lists
    // will be tagged by it from now on, so the tags held before would refuse them all.
    if (tagMs(summary.ts) < this.proposalsTagMs) this.proposalsTagMs = -Infinity;
    this.client.publish(fedTopic(this.o.village, "summary"), JSON.stringify(summary), { qos: 1, retain: true });
    this.o.log.debug({ village: this.o.village, ts: summary.ts }, "summary sent");
  }
}

/** A proposals list's tag as ms; "" (the hub had no summary of the village) is older than any. */
function tagMs(summaryTs: string): number {
  return summaryTs === "" ? -Infinity : Date.parse(summaryTs);
}
