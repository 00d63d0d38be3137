// Reserves, alerts, aid requests, assessments and the village's side of the federation.
import type express from "express";
import { z } from "zod";
import { CsError } from "../../protocol/errors.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import type { Reserves } from "../reserves/reserves.ts";
import type { TriggerState } from "../triggers/trigger-state.ts";
import type { TriggersService } from "../triggers/triggers-service.ts";
import type { FederationLink } from "../federation/link.ts";
import { quantitySchema, resourceSchema, urgencySchema, type ReserveSummary } from "../../protocol/federation.ts";
import type { CommandService } from "../control/command-service.ts";
import type { StoredReading } from "../store/store.ts";
import type { VillageOffers } from "../federation/village-offers.ts";

export interface ReservesRoutesDeps {
  reserves: Reserves;
  state: TriggerState;
  triggers: TriggersService;
  link: FederationLink | undefined;
  summary: () => ReserveSummary;
  commands: CommandService;
  pantryCount: (body: unknown) => Promise<StoredReading>;
  offers: VillageOffers;
  /** Someone acknowledged an alert: a siren for it falls silent. */
  acknowledged: () => void;
  village: () => { headCount: number; norms: Record<string, number> };
  changeVillage: (change: z.infer<typeof villageChangeSchema>) => { headCount: number; norms: Record<string, number> };
}

/** What the assembly may change from a dashboard: a number of people, never a list of them. */
export const villageChangeSchema = z
  .strictObject({
    headCount: z.number().int().min(1).max(100_000).optional(),
    norms: z
      .strictObject({
        waterLitresPerPersonDay: z.number().positive().max(500).optional(),
        foodKcalPerPersonDay: z.number().positive().max(10_000).optional(),
        baselineWhPerDay: z.number().positive().max(10_000_000).optional(),
      })
      .optional(),
  })
  .refine((c) => c.headCount !== undefined || (c.norms && Object.keys(c.norms).length > 0), "nothing to change: headCount or norms");

const commandRequestSchema = z.strictObject({
  device: z.string().min(1),
  output: z.string().min(1),
  action: z.enum(["on", "off", "set"]),
  value: z.number().min(0).max(100).optional(),
  reason: z.string().max(200).optional(),
  ttlSeconds: z.number().int().min(1).max(86_400).default(300),
});

/** A request people make for what no sensor sees: the village asks, never a person. */
const handRequestSchema = z.strictObject({
  // Water and food are asked for by the rules on the measured stocks: one asked by hand as well would be given twice.
  resource: resourceSchema.exclude(["water", "food"], { error: "water and food are asked for by the rules on the measured stocks, not by hand" }),
  amount: quantitySchema.shape.amount,
  unit: quantitySchema.shape.unit,
  urgency: urgencySchema.default("Priority"),
  neededWithinDays: z.number().positive().max(365).default(3),
  duration: z.enum(["temporary", "permanent"]).default("temporary"),
  enables: z.string().trim().min(1, "say what it makes possible").max(300),
  alternativesTried: z.array(z.string().max(200)).max(10).default([]),
});

const assessmentSchema = z.strictObject({
  name: z.literal("greenhouse.cropLossPct"),
  value: z.number().finite().min(0).max(100),
});

export function reservesRoutes(deps: ReservesRoutesDeps) {
  return (router: express.Router): void => {
    router.get("/reserves", (_req, res) => res.json({ summary: deps.summary(), figures: deps.reserves.figures() }));
    router.get("/alerts", (req, res) => res.json(deps.state.alerts(req.query.active === "1")));
    router.post("/alerts/:id/acknowledged", (req, res, next) => {
      const alert = deps.state.acknowledgeAlert(req.params.id, new Date().toISOString());
      if (!alert) return next(new CsError("CS_ERR_ALERT_UNKNOWN", req.params.id));
      deps.acknowledged();
      res.json(alert);
    });
    // A person clears an active alert (dealt with, or a false alarm): as its rule's clear would,
    // held quiet for the rule's quietAfterClear, raised again after it if the condition still holds.
    router.post("/alerts/:id/cleared", (req, res, next) => {
      const alert = deps.triggers.engine?.clearByHand(req.params.id, deps.reserves.figures());
      if (!alert) return next(new CsError("CS_ERR_ALERT_UNKNOWN", `no active alert ${req.params.id}`));
      res.json(alert);
    });
    router.get("/aid-requests", (_req, res) => res.json(deps.state.aidRequests()));
    // The help has arrived: people say so (a delivery is not a sensor reading).
    router.post("/aid-requests/:id/fulfilled", (req, res, next) => {
      const fulfilled = deps.triggers.engine?.fulfil(req.params.id);
      if (!fulfilled) return next(new CsError("CS_ERR_AID_REQUEST_INVALID", `no open aid request ${req.params.id}`));
      res.json(fulfilled);
    });
    // What no sensor sees (medical kits, a repair crew, battery modules): asked by people.
    router.post("/aid-requests", (req, res, next) => {
      const parsed = handRequestSchema.safeParse(req.body);
      if (!parsed.success) return next(new CsError("CS_ERR_AID_REQUEST_INVALID", describeIssues(parsed.error).join("; ")));
      const engine = deps.triggers.engine;
      if (!engine) return next(new CsError("CS_ERR_AID_REQUEST_INVALID", "the trigger matrix is not running: nothing can be sent"));
      res.status(201).json(engine.askByHand(parsed.data));
    });
    router.post("/aid-requests/:id/withdrawn", (req, res, next) => {
      const withdrawn = deps.triggers.engine?.withdrawByHand(req.params.id);
      if (!withdrawn) return next(new CsError("CS_ERR_AID_REQUEST_INVALID", `no open request ${req.params.id} made by hand (a rule's own ends when its alert is cleared)`));
      res.json(withdrawn);
    });
    router.get("/notifications", (_req, res) => res.json(deps.state.notifications()));
    // Every change made through the API and the account (a circle's office) that made it.
    router.get("/audit", (_req, res) => res.json(deps.state.writes()));

    router.post("/assessments", (req, res, next) => {
      const parsed = assessmentSchema.safeParse(req.body);
      if (!parsed.success) return next(new CsError("CS_ERR_ASSESSMENT_INVALID", describeIssues(parsed.error).join("; ")));
      deps.state.saveAssessment(parsed.data.name, parsed.data.value, Date.now());
      deps.reserves.assess(parsed.data.name, parsed.data.value);
      deps.triggers.evaluateNow();
      res.status(201).json({ name: parsed.data.name, value: parsed.data.value });
    });

    // What the village can give beyond water and food: the whole list, as the circle sees it now.
    router.get("/offers", (_req, res) => res.json(deps.offers.list()));
    router.post("/offers", (req, res, next) => {
      try {
        const offers = deps.offers.set(req.body);
        deps.link?.publishSummary();
        res.json(offers);
      } catch (err) {
        next(err);
      }
    });

    router.get("/village", (_req, res) => res.json(deps.village()));
    router.post("/village", (req, res, next) => {
      const parsed = villageChangeSchema.safeParse(req.body);
      if (!parsed.success) return next(new CsError("CS_ERR_CONFIG_INVALID", describeIssues(parsed.error).join("; ")));
      res.json(deps.changeVillage(parsed.data));
    });

    // A kitchen's count of a staple; becomes a reading of its own (gateway/pantry/counts.ts).
    router.post("/pantry/counts", async (req, res, next) => {
      try {
        res.status(201).json(await deps.pantryCount(req.body));
      } catch (err) {
        next(err);
      }
    });

    router.get("/commands", (_req, res) => res.json(deps.commands.audit()));
    // A manual override: the output holds it for ttlSeconds, then returns to its safe state.
    router.post("/commands", (req, res, next) => {
      const parsed = commandRequestSchema.safeParse(req.body);
      if (!parsed.success) return next(new CsError("CS_ERR_COMMAND_INVALID", describeIssues(parsed.error).join("; ")));
      try {
        const { ttlSeconds, reason, ...rest } = parsed.data;
        const command = deps.commands.issue({ ...rest, reason: reason ?? "manual override", ttlMs: ttlSeconds * 1000 });
        res.status(202).json(command);
      } catch (err) {
        next(err);
      }
    });

    router.get("/federation/proposals", (_req, res) => res.json(deps.link?.proposals ?? []));
    router.get("/federation/requests", (_req, res) => res.json([...(deps.link?.neighbourRequests.values() ?? [])]));
    // Needs nobody in the federation can cover now, this village's and its neighbours': to take to
    // the region or outside help. Each the hub has sent on outside its region says so.
    router.get("/federation/uncovered", (_req, res) => {
      const outside = new Map((deps.link?.escalated ?? []).map((e) => [e.requestId, e]));
      res.json((deps.link?.uncovered ?? []).map((n) => {
        const e = outside.get(n.requestId);
        return e && (e.status === "open" || e.status === "updated") ? { ...n, escalated: { updatedAt: e.updatedAt, acknowledged: e.acknowledged } } : n;
      }));
    });
    router.post("/federation/proposals/:id/:decision", async (req, res, next) => {
      const decision = req.params.decision;
      if (decision !== "accept" && decision !== "decline" && decision !== "delivered" && decision !== "dispatched") return next(new CsError("CS_ERR_QUERY_INVALID", "accept, decline, dispatched or delivered"));
      if (!deps.link) return next(new CsError("CS_ERR_QUERY_INVALID", "this village has no federation link configured"));
      const listed = deps.link.proposals.find((p) => p.id === req.params.id);
      if (listed?.status === "cancelled") return next(new CsError("CS_ERR_TRANSFER_CANCELLED", `${listed.quantity.amount} ${listed.quantity.unit} ${listed.resource} from ${listed.from} to ${listed.to}`));
      try {
        // delivered: an accepted transfer to this village has arrived, so the hub stops counting it
        // as in transit. dispatched: one from this village has left, so it is no longer cancelled
        // when the need goes.
        await deps.link.reply(req.params.id, decision !== "decline", decision === "delivered" || decision === "dispatched" ? decision : undefined);
        res.status(202).json({ proposalId: req.params.id, decision });
      } catch (err) {
        next(err);
      }
    });
  };
}
