// Plays a scenario in simulated time against a simulated federation: every village runs the real
// reserves and trigger matrix on readings from its stocks; aid requests leave through each village's
// durable outbox to the real hub logic, which proposes transfers. The drill plays the people: both
// sides accept proposals, donors send them after dispatchDelayHours (unless the hub cancelled them
// because the need went meanwhile), and they arrive after their route's days (transitDays elsewhere).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { fedTopic } from "../../protocol/topics.ts";

import { Bus } from "../../gateway/bus.ts";
import { loadGatewayConfigFile, parseGatewayConfig } from "../../gateway/config/load.ts";
import type { GatewayConfig } from "../../gateway/config/schema.ts";
import { FederationHub } from "../../gateway/federation/hub.ts";
import { Routes } from "../../gateway/federation/routes.ts";
import { buildSummary } from "../../gateway/federation/summary.ts";
import { VillageOffers } from "../../gateway/federation/village-offers.ts";
import { DeviceRegistry } from "../../gateway/ingest/device-registry.ts";
import { Reserves } from "../../gateway/reserves/reserves.ts";
import { UncoveredNeeds } from "../../gateway/federation/uncovered-needs.ts";
import { TriggerEngine } from "../../gateway/triggers/engine.ts";
import { loadRulesFile, type RuleSet } from "../../gateway/triggers/rules.ts";
import { defaultRulesFile } from "../../gateway/triggers/triggers-service.ts";
import { TriggerState } from "../../gateway/triggers/trigger-state.ts";
import type { Scenario } from "./scenario.ts";
import { infrastructureFor, VillageStocks } from "./village-stocks.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface TimelineEntry {
  day: number;
  village: string;
  kind: string;
  text: string;
}

export interface DrillReport {
  scenario: string;
  description: string;
  days: number;
  villages: { id: string; headCount: number }[];
  timeline: TimelineEntry[];
  /** Every aid request version as the hub received it, in order. */
  aidRequests: ({ day: number } & FederationHub["received"][number])[];
  /** Agreed transfers: sent `dispatchDelayHours` after acceptance, or cancelled before that if the need went. */
  transfers: { id: string; from: string; to: string; resource: string; amount: number; unit: string; proposedDay: number; dispatchedDay: number | null; cancelledDay: number | null; arrivedDay: number | null }[];
  /** Donors that a transfer would have pushed below their own target (should be none). */
  donorsBelowTarget: { day: number; village: string; transfer: string }[];
  /** Wall-clock time of each hourly round of summaries and the rematch it causes, ms. */
  rematchMs: number[];
  /** Days left per village per domain every 6 simulated hours. */
  series: { day: number; village: string; water: number | null; food: number | null; powerSocPct: number | null }[];
  /**
   * Each request's life: opened, every version, what arrived against it, withdrawn. The hub's
   * received log and the transfers, told per request as a coordinator reads it.
   */
  requests: RequestStory[];
  /**
   * At the start of each simulated day, every open need as the hub sees it: asked, counted as on
   * its way, proposed, and what nobody can cover. Summed per village and resource.
   */
  unmetNeed: { day: number; village: string; resource: string; unit: string; asked: number; inTransit: number; proposed: number; uncovered: number }[];
}

export interface RequestStory {
  id: string;
  village: string;
  resource: string;
  unit: string;
  openedDay: number;
  versions: { day: number; version: number; status: string; amount: number }[];
  arrived: { day: number; from: string; amount: number }[];
  withdrawnDay: number | null;
  /** The village said the help arrived (resources no sensor measures). */
  fulfilledDay: number | null;
}

interface VillageSim {
  id: string;
  config: GatewayConfig;
  stocks: VillageStocks;
  reserves: Reserves;
  rules: RuleSet;
  uncovered: UncoveredNeeds;
  /** Reopened from disk when the village's gateway restarts. */
  state: TriggerState;
  engine: TriggerEngine;
  offers: VillageOffers;
  /** The federation link is cut: the outbox holds what the village sends, and it answers nothing. */
  linkDown: boolean;
}

export function runDrill(scenario: Scenario, options: { log?: Logger; startMs?: number; onDay?: (day: number) => void } = {}): DrillReport {
  const log = options.log ?? pino({ level: "silent" });
  const startMs = options.startMs ?? Date.UTC(2026, 5, 1, 0, 0, 0);
  const dir = mkdtempSync(join(tmpdir(), `cs-drill-${scenario.name}-`));
  const clock = { now: startMs };
  const day = () => Math.round(((clock.now - startMs) / DAY_MS) * 100) / 100;
  const boards = loadBoardDir("boards");
  const registry = new DeviceRegistry(boards);
  const report: DrillReport = {
    scenario: scenario.name, description: scenario.description, days: scenario.days,
    villages: scenario.villages.map((v) => ({ id: v.id, headCount: v.headCount })),
    timeline: [], aidRequests: [], transfers: [], donorsBelowTarget: [], series: [], rematchMs: [], requests: [], unmetNeed: [],
  };

  const routes = new Routes({ defaultDays: scenario.transitDays, routes: [...(scenario.regionData?.transit.routes ?? []), ...scenario.routes] });
  const hub = new FederationHub({
    villages: scenario.villages.map((v) => v.id),
    region: scenario.regionData,
    routes,
    mqtt: { host: "127.0.0.1", port: 0 },
    http: { host: "127.0.0.1", port: 0 },
    log,
  });
  /** What the regional stockpiles still hold, as transfers from them arrive. */
  const stockpiles = new Map((scenario.regionData?.stockpiles ?? []).map((p) => [p.id, { water: p.waterL, food: p.foodKcal }]));
  const federationVillages = new Map((scenario.regionData?.federations ?? []).map((f) => [f.id, new Set(f.villages)]));

  const villages: VillageSim[] = scenario.villages.map((v) => {
    const infrastructure = infrastructureFor(v.headCount);
    // The reference village's capacities scaled to the head count, unless the village's own
    // village.yaml says otherwise.
    const scaled = {
      reserves: {
        water: { capacityLitres: infrastructure.waterCapacityL, tankCapacityLitres: { "tank-north-level": 0.2 * infrastructure.waterCapacityL, "tank-south-level": 0.2 * infrastructure.waterCapacityL, "cistern-level": 0.6 * infrastructure.waterCapacityL } },
        power: { capacityWh: infrastructure.batteryWh },
      },
    };
    const own = v.configFile ? loadGatewayConfigFile(v.configFile) : {};
    const config = parseGatewayConfig(
      mergeConfig(mergeConfig(scaled, own), { village: { id: v.id, name: v.id, headCount: v.headCount }, dataDir: join(dir, v.id), nodeRed: { enabled: false } }),
      v.configFile ?? scenario.name,
    );
    const bus = new Bus(log);
    const reserves = new Reserves({ config, bus, registry, now: () => clock.now });
    const rules = loadRulesFile(v.triggersFile ?? config.triggersFile ?? defaultRulesFile, new Set(reserves.figureNames()), new Set(registry.outputs()));
    const sim = { id: v.id, config, stocks: new VillageStocks(v.id, v.headCount, v), reserves, rules, linkDown: false } as VillageSim;
    startTriggers(sim);
    // As the gateway's link does: the hub's list of what nobody can give, this village's needs followed.
    sim.uncovered = new UncoveredNeeds({ village: v.id, now: () => clock.now, linkUp: () => !sim.linkDown, urgencyOf: (id) => sim.state.aidRequest(id)?.urgency });
    reserves.federationFigures = () => sim.uncovered.figures();
    sim.offers.set({ offers: v.offers });
    return sim;
  });
  const byId = new Map(villages.map((v) => [v.id, v]));
  const inTransit = new Map<string, { arriveMs: number; proposal: DrillReport["transfers"][number] }>();
  /** Agreed transfers being loaded: sent at `dispatchMs` unless the hub cancels them first. */
  const loading = new Map<string, { dispatchMs: number; proposal: DrillReport["transfers"][number] }>();
  /** When each proposal was first seen: people answer after the decision delay. */
  const firstProposed = new Map<string, number>();

  const deliverOutboxes = () => {
    for (const v of villages) {
      if (v.linkDown) continue;
      for (const row of v.state.unsent(100)) {
        const seen = hub.received.length;
        hub.handle(row.topic, Buffer.from(row.payload));
        v.state.markSent(row.seq);
        for (const r of hub.received.slice(seen)) report.aidRequests.push({ day: day(), ...r });
      }
    }
  };
  const stepMs = scenario.stepMinutes * 60_000;
  let nextSummaryMs = startMs;
  let nextSeriesMs = startMs;
  const pending = [...scenario.events].sort((a, b) => a.day - b.day);

  try {
    for (clock.now = startMs; clock.now <= startMs + scenario.days * DAY_MS; clock.now += stepMs) {
      if ((clock.now - startMs) % DAY_MS < stepMs && clock.now > startMs) options.onDay?.(Math.round((clock.now - startMs) / DAY_MS));
      while (pending.length && startMs + pending[0].day * DAY_MS <= clock.now) {
        const e = pending.shift()!;
        const targets = e.all ? villages : e.federation ? villages.filter((v) => federationVillages.get(e.federation!)?.has(v.id)) : [byId.get(e.village!)!];
        for (const v of targets) {
          v.stocks.apply(e);
          if (e.link) v.linkDown = e.link === "down";
          if (e.restart) {
            // The reserves' window would come back from the store; the trigger state from its file.
            v.state.close();
            startTriggers(v);
            report.timeline.push({ day: day(), village: v.id, kind: "restart", text: "gateway restarted" });
          }
          if (e.greenhouse) v.reserves.assess("greenhouse.cropLossPct", e.greenhouse.cropLossPct, clock.now);
          if (e.note) report.timeline.push({ day: day(), village: v.id, kind: "event", text: e.note });
        }
      }
      for (const v of villages) {
        v.stocks.advance(clock.now, stepMs);
        v.reserves.ingest(v.stocks.readings(clock.now));
        v.engine.evaluate(v.reserves.figures());
      }
      hub.batch(deliverOutboxes);
      if (clock.now >= nextSummaryMs) {
        const started = performance.now();
        hub.batch(() => {
          for (const v of villages) {
            if (v.linkDown) continue;
            const summary = buildSummary(v.id, v.config, v.reserves.figures(), clock.now, v.offers.list());
            hub.handle(fedTopic(v.id, "summary"), Buffer.from(JSON.stringify(summary)));
          }
        });
        report.rematchMs.push(performance.now() - started);
        // Each village over a working link hears what nobody can give, as a proposals list tells it.
        for (const v of villages) if (!v.linkDown) v.uncovered.update(hub.needs.filter((n) => n.uncovered > 0));
        if ((clock.now - startMs) % DAY_MS < stepMs) recordUnmetNeed();
        nextSummaryMs += HOUR_MS;
        acceptProposals();
      }
      dispatchLoaded();
      for (const [id, t] of inTransit) {
        if (t.arriveMs > clock.now) continue;
        inTransit.delete(id);
        const resource = t.proposal.resource;
        const depot = stockpiles.get(t.proposal.from);
        if (resource === "fuel") {
          // Fuel runs the village's generator: the battery's figures show it arrive, and the rule
          // that asked for it clears on them.
          byId.get(t.proposal.to)!.stocks.transfer("fuel", t.proposal.amount);
        } else if (resource === "power") {
          // A loaned inverter-charger: the array charges the battery again from the next sun, and
          // people say the help arrived, since no sensor shows the box itself.
          byId.get(t.proposal.to)!.stocks.chargerLent();
          fulfilWhenCovered(t.proposal);
        } else if (resource !== "water" && resource !== "food") {
          // Seeds, crews, kits: no sensor shows them arrive, so people say so once what arrived
          // covers what was asked (POST /api/aid-requests/<id>/fulfilled).
          fulfilWhenCovered(t.proposal);
        } else if (depot) {
          depot[resource] = Math.max(0, depot[resource] - t.proposal.amount);
        } else {
          const donor = byId.get(t.proposal.from)!;
          const f = donor.reserves.figures();
          const target = resource === "water" ? donor.config.reserves.water.targetDays * f["water.dailyNeedLitres"].value! : donor.config.reserves.food.targetDays * f["food.dailyNeedKcal"].value!;
          const held = resource === "water" ? donor.stocks.waterL : donor.stocks.foodKcal;
          if (held - t.proposal.amount < target) report.donorsBelowTarget.push({ day: day(), village: donor.id, transfer: id });
          donor.stocks.transfer(resource, -t.proposal.amount);
        }
        if (resource === "water" || resource === "food") byId.get(t.proposal.to)!.stocks.transfer(resource, t.proposal.amount);
        t.proposal.arrivedDay = day();
        hub.markDelivered(id); // the receiving village confirms; the stocks now show it
        report.timeline.push({ day: day(), village: t.proposal.to, kind: "transfer-arrived", text: `${t.proposal.amount} ${t.proposal.unit} ${resource} from ${t.proposal.from}` });
      }
      if (clock.now >= nextSeriesMs) {
        for (const v of villages) {
          const f = v.reserves.figures();
          const round = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);
          report.series.push({ day: day(), village: v.id, water: round(f["water.daysLeft"].value), food: round(f["food.daysLeft"].value), powerSocPct: round(f["power.socPct"].value) });
        }
        nextSeriesMs += 6 * HOUR_MS;
      }
    }
  } finally {
    for (const v of villages) v.state.close();
    rmSync(dir, { recursive: true, force: true });
  }

  report.requests = requestStories(report);
  return report;

  /** The village gateway's durable trigger state and its engine, as a start or a restart makes them. */
  function startTriggers(sim: VillageSim): void {
    const state = new TriggerState(sim.config.dataDir);
    state.open();
    sim.state = state;
    sim.engine = new TriggerEngine({
      village: sim.id, rules: sim.rules, state, log, now: () => clock.now, announceAtOnce: true,
      // A raised alert carries what made its figures uncertain: the sensor to check.
      onNotification: (n) => {
        const uncertain = n.kind === "alert-raised" ? (state.alert(n.ref)?.uncertain ?? []) : [];
        report.timeline.push({ day: day(), village: sim.id, kind: n.kind, text: uncertain.length ? `${n.text} (${uncertain.join("; ")})` : n.text });
      },
      onCommand: (c) => report.timeline.push({ day: day(), village: sim.id, kind: "command", text: `${c.device}/${c.output} ${c.action}${c.value !== undefined ? ` ${c.value}` : ""} (${c.reason})` }),
    });
    sim.offers = new VillageOffers(sim.id, state);
  }

  function fulfilWhenCovered(arrived: DrillReport["transfers"][number]): void {
    const requestId = arrived.id.split("@")[0];
    const receiver = byId.get(arrived.to)!;
    const request = receiver.state.aidRequest(requestId);
    if (!request || (request.status !== "open" && request.status !== "updated")) return;
    const got = report.transfers.filter((t) => t.id.startsWith(`${requestId}@`) && t.arrivedDay !== null).reduce((n, t) => n + t.amount, 0) + arrived.amount;
    if (got >= request.quantity[0].amount) receiver.engine.fulfil(requestId);
  }

  function recordUnmetNeed(): void {
    const sums = new Map<string, DrillReport["unmetNeed"][number]>();
    for (const n of hub.needs) {
      const key = `${n.village}:${n.resource}`;
      const s = sums.get(key) ?? { day: day(), village: n.village, resource: n.resource, unit: n.unit, asked: 0, inTransit: 0, proposed: 0, uncovered: 0 };
      s.asked += n.asked;
      s.inTransit += n.inTransit;
      s.proposed += n.proposed;
      s.uncovered += n.uncovered;
      sums.set(key, s);
    }
    report.unmetNeed.push(...sums.values());
  }

  function acceptProposals(): void {
    // Accepted one by one: batched, so the hub matches once after all the answers.
    hub.batch(() => acceptAll());
  }

  function acceptAll(): void {
    for (const offered of [...hub.proposals]) {
      if (offered.status !== "proposed") continue;
      // People answer after the scenario's decision delay, and only over a working link.
      const seen = firstProposed.get(offered.id) ?? firstProposed.set(offered.id, clock.now).get(offered.id)!;
      if (clock.now - seen < scenario.decisionDelayHours * HOUR_MS) continue;
      if (byId.get(offered.from)?.linkDown || byId.get(offered.to)?.linkDown) continue;
      hub.decide(offered.id, true);
      const p = hub.accepted.get(offered.id);
      if (!p || report.transfers.some((t) => t.id === p.id)) continue;
      const transfer = { id: p.id, from: p.from, to: p.to, resource: p.resource, amount: p.quantity.amount, unit: p.quantity.unit, proposedDay: day(), dispatchedDay: null, cancelledDay: null, arrivedDay: null };
      report.transfers.push(transfer);
      report.timeline.push({ day: day(), village: p.to, kind: "transfer-accepted", text: `${p.quantity.amount} ${p.quantity.unit} ${p.resource} from ${p.from}` });
      loading.set(p.id, { dispatchMs: clock.now + scenario.dispatchDelayHours * HOUR_MS, proposal: transfer });
      byId.get(p.from)?.offers.takeAgreed([p]); // as the donor's gateway does when the hub's list shows it accepted
    }
    dispatchLoaded();
  }

  /**
   * Donors send what they loaded once its time comes and tell the hub (the aid page's "Sent on its
   * way"); what the hub cancelled meanwhile stays home, and its offers come back.
   */
  function dispatchLoaded(): void {
    for (const [id, t] of loading) {
      const cancelled = hub.cancelled.get(id);
      if (cancelled) {
        loading.delete(id);
        t.proposal.cancelledDay = day();
        byId.get(t.proposal.from)?.offers.takeAgreed([cancelled]);
        report.timeline.push({ day: day(), village: t.proposal.from, kind: "transfer-cancelled", text: `${t.proposal.amount} ${t.proposal.unit} ${t.proposal.resource} for ${t.proposal.to} stays home: the need is gone or met by the rest` });
        continue;
      }
      if (t.dispatchMs > clock.now || byId.get(t.proposal.from)?.linkDown) continue;
      loading.delete(id);
      hub.markDispatched(id);
      t.proposal.dispatchedDay = day();
      inTransit.set(id, { arriveMs: clock.now + routes.transitDays(t.proposal.from, t.proposal.to) * DAY_MS, proposal: t.proposal });
    }
  }
}

function requestStories(report: DrillReport): RequestStory[] {
  const stories = new Map<string, RequestStory>();
  for (const r of report.aidRequests) {
    const story = stories.get(r.id) ?? { id: r.id, village: r.village, resource: r.resource, unit: r.unit, openedDay: r.day, versions: [], arrived: [], withdrawnDay: null, fulfilledDay: null };
    story.versions.push({ day: r.day, version: r.version, status: r.status, amount: r.amount });
    if (r.status === "withdrawn") story.withdrawnDay = r.day;
    if (r.status === "fulfilled") story.fulfilledDay = r.day;
    stories.set(r.id, story);
  }
  for (const t of report.transfers) {
    const story = stories.get(t.id.split("@")[0]);
    if (story && t.arrivedDay !== null) story.arrived.push({ day: t.arrivedDay, from: t.from, amount: t.amount });
  }
  return [...stories.values()];
}

/** Plain objects merged key by key, `over` winning; arrays and values replaced whole. */
function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const mine = out[key];
    const plain = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
    out[key] = plain(mine) && plain(value) ? mergeConfig(mine, value) : value;
  }
  return out;
}
