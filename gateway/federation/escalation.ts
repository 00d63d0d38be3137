// Escalation past the region: a need the hub's villages, federations and stockpiles have left
// uncovered for `afterMs` is sent on as an aid request to a hub outside (a neighbouring region's,
// civil protection's: any hub running this software, where this hub is enrolled as one member).
// The request is the need's own id, in the name of this hub's region, asking what nobody in reach
// can give; a new version follows when that amount changes materially, and it is withdrawn once
// the need is covered or gone. What is sent and still owed is kept in a file, so a restart
// neither forgets an escalation (it is withdrawn when due) nor reuses a version the outside hub
// already holds. No person has to carry the need up: it goes by itself, shown to everyone on
// `/api/federation/escalated`.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { z } from "zod";
import { aidRequestSchema, proposalsMessageSchema, type AidRequest, type EscalationsMessage, type Proposal } from "../../protocol/federation.ts";
import { idSchema } from "../../protocol/payloads.ts";
import type { Coverage } from "./matching.ts";
import { parsePayload } from "../../protocol/parse-payload.ts";
import { fedTopic } from "../../protocol/topics.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import { mqttServer } from "./mqtt-server.ts";

export interface EscalationOptions {
  /** The outside hub's broker (mqtt:// or mqtts://). */
  url: string;
  /** This hub's name there: the "village" its requests come from, and its identity. */
  as: string;
  secret?: string;
  /** CA to trust for an mqtts:// hub. */
  caFile?: string;
  /** How long a need stays uncovered before it goes outside: the federation's own answers come first. */
  afterMs: number;
  /** The file that keeps what was sent (in the hub's data directory). */
  stateFile: string;
  /**
   * After a restart the hub hears its villages' requests again within a minute: until then a need
   * escalated before the restart is not withdrawn for being unknown.
   */
  settleMs?: number;
  log: Logger;
  now?: () => number;
  reconnectPeriodMs?: number;
}

/** Need id -> the request as last decided, the village whose need it is, and whether the outside hub acknowledged it. */
const keptSchema = z.record(z.string(), z.strictObject({ request: aidRequestSchema, village: idSchema, sent: z.boolean() }));
type Kept = z.infer<typeof keptSchema>[string];

/** A change in what is uncovered smaller than this share is not worth a new version. */
const MATERIAL_SHARE = 0.05;
/** Withdrawn escalations are kept (and re-announced) this long, so a withdrawal lost in a crash still arrives. */
const KEEP_CLOSED_MS = 7 * 86_400_000;

export class Escalation {
  private readonly kept = new Map<string, Kept>();
  /** Called whenever what was sent, or its acknowledgement, changes: the hub tells its villages. */
  onChange: (() => void) | undefined;
  /** Need id -> since when it has been uncovered, as this process saw it. */
  private readonly uncoveredSince = new Map<string, number>();
  /** What the outside hub proposes to this region, as it last said. */
  proposals: Proposal[] = [];
  private client: MqttClient | undefined;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private last: { needs: readonly Coverage[]; requests: ReadonlyMap<string, AidRequest> } = { needs: [], requests: new Map() };

  constructor(private readonly o: EscalationOptions) {
    this.startedAt = this.now();
    if (existsSync(o.stateFile)) {
      let parsed;
      try {
        parsed = keptSchema.safeParse(JSON.parse(readFileSync(o.stateFile, "utf8")));
      } catch (err) {
        throw new Error(`${o.stateFile}: not JSON (${(err as Error).message}); move it aside to start afresh`);
      }
      if (!parsed.success) throw new Error(`${o.stateFile}: not an escalation file (${describeIssues(parsed.error)[0]}); move it aside to start afresh`);
      for (const [id, k] of Object.entries(parsed.data)) this.kept.set(id, k);
    }
  }

  /** The outside hub as shown and logged: no user or password a URL may carry. */
  private get outside(): string {
    const { protocol, host, port } = mqttServer(this.o.url);
    return `${protocol}://${host}:${port}`;
  }

  private get settleMs(): number {
    return this.o.settleMs ?? 120_000;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(): Promise<void> {
    this.client = mqtt.connect({
      ...mqttServer(this.o.url),
      ...(this.o.caFile ? { ca: readFileSync(this.o.caFile) } : {}),
      rejectUnauthorized: true,
      clientId: this.o.as,
      clean: false,
      username: this.o.as,
      password: this.o.secret,
      reconnectPeriod: this.o.reconnectPeriodMs ?? 5_000,
      connectTimeout: 10_000,
    });
    this.client.on("connect", () => {
      this.o.log.info({ outside: this.outside, as: this.o.as }, "escalation link up");
      this.client!.subscribe(fedTopic(this.o.as, "proposals"), { qos: 1 });
      // The outside hub keeps requests in memory: everything still open, and each recent
      // withdrawal, is sent again; it ignores the versions it has.
      this.send(true);
    });
    this.client.on("offline", () => this.o.log.warn({ outside: this.outside }, "escalation link down; escalations wait"));
    this.client.on("error", (err) => this.o.log.warn({ err: err.message }, "escalation link error"));
    this.client.on("message", (_topic, payload) => {
      const parsed = parsePayload(proposalsMessageSchema, payload);
      if (!parsed?.success) return void this.o.log.warn("malformed proposals from the outside hub ignored");
      this.proposals = parsed.data.proposals;
    });
    // Uncovered needs ripen with time, not only with messages.
    this.timer = setInterval(() => this.update(this.last.needs, this.last.requests), Math.min(60_000, Math.max(1_000, Math.min(this.o.afterMs, this.settleMs) / 4)));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const client = this.client;
    this.client = undefined;
    // Not waiting for a send in flight: one waiting on an outside hub that went away would never
    // end (mqtt.js keeps a QoS 1 publish pending through end()). What it carried is still owed in
    // the file, and sent at the next start.
    await client?.endAsync(true);
  }

  /** The hub's needs after each match, with the requests behind them. */
  update(needs: readonly Coverage[], requests: ReadonlyMap<string, AidRequest>): void {
    this.last = { needs, requests };
    const now = this.now();
    // A request asking in several units (kits and crew-days) has a cover per unit.
    const uncovered = new Map<string, Coverage[]>();
    for (const n of needs) if (n.uncovered > 0) uncovered.set(n.requestId, [...(uncovered.get(n.requestId) ?? []), n]);
    for (const id of this.uncoveredSince.keys()) if (!uncovered.has(id)) this.uncoveredSince.delete(id);
    let changed = false;
    for (const [id, covers] of uncovered) {
      if (!this.uncoveredSince.has(id)) this.uncoveredSince.set(id, now);
      const source = requests.get(id);
      const k = this.kept.get(id);
      const open = k !== undefined && isOpen(k.request);
      // Already outside (before a restart, too): its changes follow at once.
      if (!source || (!open && now - this.uncoveredSince.get(id)! < this.o.afterMs)) continue;
      if (open && k.request.urgency === source.urgency && sameAmounts(k.request.quantity, covers)) continue;
      this.keep(id, this.escalated(source, covers, open ? "updated" : "open"), covers[0].village);
      changed = true;
    }
    for (const [id, k] of this.kept) {
      if (isOpen(k.request)) {
        const gone = requests.get(id);
        const settling = !gone && now - this.startedAt < this.settleMs;
        if (uncovered.has(id) || settling) continue;
        this.keep(id, { ...k.request, status: gone?.status === "fulfilled" ? "fulfilled" : "withdrawn", version: this.nextVersion(k.request), updatedAt: new Date(now).toISOString() }, k.village);
        changed = true;
      } else if (now - Date.parse(k.request.updatedAt) > KEEP_CLOSED_MS) {
        this.kept.delete(id);
        changed = true;
      }
    }
    if (changed) {
      this.save();
      this.onChange?.();
      this.send(false);
    }
  }

  private escalated(source: AidRequest, covers: readonly Coverage[], status: "open" | "updated"): AidRequest {
    const prev = this.kept.get(source.id)?.request;
    const village = covers[0].village;
    const reach = `nobody within ${this.o.as} can give more: ${covers.map((c) => `${round(c.asked - c.uncovered)} of ${round(c.asked)} ${c.unit}`).join(", ")} covered there`;
    const figures = Object.fromEntries(covers.flatMap((c) => (["asked", "inTransit", "proposed", "uncovered"] as const).map((k) => [covers.length > 1 ? `${k}.${c.unit}` : k, c[k]])));
    return {
      ...source,
      village: this.o.as,
      // Coverage units are the request's own, which the schema holds to its list.
      quantity: covers.map((c) => ({ amount: c.uncovered, unit: c.unit as AidRequest["quantity"][number]["unit"] })),
      status,
      version: prev ? this.nextVersion(prev) : this.now(),
      alternativesTried: [...source.alternativesTried, reach].slice(-10).map((a) => a.slice(0, 200)),
      enables: `${village}: ${source.enables}`.slice(0, 300),
      reason: { rule: source.reason.rule, figures: { ...source.reason.figures, ...figures } },
      updatedAt: new Date(this.now()).toISOString(),
    };
  }

  /** Versions are the clock's milliseconds, and always above the last: a restart cannot go back to 1. */
  private nextVersion(prev: AidRequest): number {
    return Math.max(prev.version + 1, this.now());
  }

  private keep(id: string, request: AidRequest, village: string): void {
    this.kept.set(id, { request, village, sent: false });
    this.o.log.info({ id, status: request.status, amount: request.quantity[0].amount, unit: request.quantity[0].unit, version: request.version }, "need escalated past the region");
  }

  private save(): void {
    const tmp = `${this.o.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.kept)));
    renameSync(tmp, this.o.stateFile);
  }

  /** Sends what is owed (or, `all`, everything still open or recently closed), one at a time. */
  private send(all: boolean): void {
    this.sending = this.sending.then(async () => {
      const client = this.client;
      if (!client?.connected) return;
      try {
        for (const [id, k] of [...this.kept]) {
          if (k.sent && !all) continue;
          await client.publishAsync(fedTopic(this.o.as, "aid-requests"), JSON.stringify(k.request), { qos: 1 });
          // Acknowledged by the outside hub: unless a newer version replaced it meanwhile.
          if (this.kept.get(id)?.request === k.request && !k.sent) {
            k.sent = true;
            this.save();
            this.onChange?.();
          }
        }
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, "escalation send interrupted; resent on reconnect");
      }
    });
  }

  /** What the hub tells its villages: each need sent outside, and whether the outside hub has it. */
  message(): EscalationsMessage {
    return {
      escalated: [...this.kept.entries()].map(([requestId, { request: r, village, sent }]) => ({ requestId, village, resource: r.resource, quantity: r.quantity, status: r.status, updatedAt: r.updatedAt, acknowledged: sent })),
    };
  }

  /** What the region has sent outside, for everyone to see. */
  view(): { to: string; as: string; connected: boolean; escalated: Array<Pick<AidRequest, "id" | "resource" | "quantity" | "urgency" | "status" | "version" | "updatedAt"> & { acknowledged: boolean }>; proposals: Proposal[] } {
    return {
      to: this.outside,
      as: this.o.as,
      connected: this.connected,
      escalated: [...this.kept.values()].map(({ request: r, sent }) => ({ id: r.id, resource: r.resource, quantity: r.quantity, urgency: r.urgency, status: r.status, version: r.version, updatedAt: r.updatedAt, acknowledged: sent })),
      proposals: this.proposals,
    };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

const isOpen = (r: AidRequest) => r.status === "open" || r.status === "updated";

/** What was sent still stands: the same units, each within MATERIAL_SHARE of what is uncovered now. */
function sameAmounts(sent: AidRequest["quantity"], covers: readonly Coverage[]): boolean {
  return sent.length === covers.length && covers.every((c) => sent.some((q) => q.unit === c.unit && Math.abs(q.amount - c.uncovered) <= MATERIAL_SHARE * q.amount));
}
