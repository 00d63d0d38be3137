// What villages and the federation hub exchange. Shaped on the federation's ResourceRequest:
// the requesting village (never a person), a quantity vector, urgency, context, no price.
import { z } from "zod";
import { idSchema } from "./payloads.ts";

export const urgencySchema = z.enum(["Routine", "Priority", "Emergency"]);
export type Urgency = z.infer<typeof urgencySchema>;

export const resourceSchema = z.enum(["water", "food", "power", "fuel", "seeds", "repair-crew", "medical-supplies"]);

export const quantitySchema = z.strictObject({
  amount: z.number().finite().positive("a quantity must be positive"),
  unit: z.enum(["L", "kg", "kcal", "Wh", "crew-days", "kits"]),
});

export const aidRequestSchema = z.strictObject({
  /** Stable per need: the same id is updated and withdrawn, never re-sent as new. */
  id: z.string().min(1).max(120).regex(/^[a-z0-9:#.-]+$/),
  village: idSchema,
  resource: resourceSchema,
  quantity: z.array(quantitySchema).min(1).max(8),
  urgency: urgencySchema,
  neededBy: z.iso.datetime(),
  duration: z.enum(["temporary", "permanent"]),
  alternativesTried: z.array(z.string().max(200)).max(10),
  enables: z.string().max(300),
  status: z.enum(["open", "updated", "withdrawn", "fulfilled"]),
  /** Increases with every change; the hub keeps the highest it has seen (idempotent by id). */
  version: z.number().int().positive(),
  reason: z.strictObject({
    rule: idSchema,
    figures: z.record(z.string(), z.number().nullable()),
  }),
  updatedAt: z.iso.datetime(),
});
export type AidRequest = z.infer<typeof aidRequestSchema>;

export const domainSummarySchema = z.strictObject({
  stock: z.number().nullable(),
  unit: z.string(),
  dailyNeed: z.number(),
  targetDays: z.number(),
  daysLeft: z.number().nullable(),
});

/**
 * What a village can give beyond its water and food stocks (fuel, seeds, a repair crew, a
 * generator, medical kits), entered by people. `whole`: given whole or not at all (a generator,
 * a crew that travels together).
 */
export const offerSchema = z.strictObject({
  resource: resourceSchema,
  amount: quantitySchema.shape.amount,
  unit: quantitySchema.shape.unit,
  whole: z.boolean().default(false),
  note: z.string().max(200).default(""),
});
export type Offer = z.infer<typeof offerSchema>;

export const reserveSummarySchema = z.strictObject({
  village: idSchema,
  headCount: z.number().int().positive(),
  ts: z.iso.datetime(),
  water: domainSummarySchema,
  food: domainSummarySchema,
  power: domainSummarySchema,
  offers: z.array(offerSchema).max(50).default([]),
});
export type ReserveSummary = z.infer<typeof reserveSummarySchema>;

export const proposalSchema = z.strictObject({
  id: z.string(),
  requestId: z.string(),
  from: idSchema,
  to: idSchema,
  resource: resourceSchema,
  quantity: quantitySchema,
  /**
   * proposed: awaiting both villages' answers. accepted: agreed, not yet sent. dispatched: the donor
   * sent it on its way (it will arrive, need or not). cancelled: agreed but withdrawn before it was
   * sent, because the need it was for is gone or the rest agreed covers it: the donor keeps it.
   */
  status: z.enum(["proposed", "accepted", "dispatched", "declined", "cancelled"]),
});
export type Proposal = z.infer<typeof proposalSchema>;

/**
 * Hub -> village, retained: the village's proposals, tagged with the time of the latest summary of
 * that village the hub had when it computed them. A village's summaries are in its own clock's
 * order, so the tag orders the lists whichever hub node sent them: after a failover a stale list
 * (a retained copy read late from Redis, a message queued in the session) can arrive after the
 * fresh one, and is recognised by its older tag. "" when the hub had no summary yet.
 */
/** An open need and how far the federation covers it (gateway/federation/matching.ts). */
export const coverageSchema = z.strictObject({
  requestId: z.string(),
  village: idSchema,
  resource: resourceSchema,
  unit: z.string(),
  asked: z.number(),
  inTransit: z.number(),
  proposed: z.number(),
  uncovered: z.number(),
});

export const proposalsMessageSchema = z.strictObject({
  summaryTs: z.union([z.iso.datetime(), z.literal("")]),
  proposals: z.array(proposalSchema),
  /** Every village's needs nobody in reach can cover now: escalation, shown to everyone. */
  uncovered: z.array(coverageSchema).max(2_000).default([]),
});
export type ProposalsMessage = z.infer<typeof proposalsMessageSchema>;

/**
 * Hub -> village, retained: the needs the hub sent on to a hub outside its region (it is enrolled
 * there as one member, gateway/federation/escalation.ts), so every village sees that someone
 * outside has been asked. `acknowledged`: the outside hub has it.
 */
export const escalationsMessageSchema = z.strictObject({
  escalated: z
    .array(
      z.strictObject({
        requestId: z.string(),
        village: idSchema,
        resource: resourceSchema,
        quantity: z.array(quantitySchema).min(1).max(8),
        status: aidRequestSchema.shape.status,
        updatedAt: z.iso.datetime(),
        acknowledged: z.boolean(),
      }),
    )
    .max(2_000),
});
export type EscalationsMessage = z.infer<typeof escalationsMessageSchema>;

export const proposalReplySchema = z.strictObject({
  proposalId: z.string().min(1),
  village: idSchema,
  accept: z.boolean(),
  /** From the receiving village, after an accepted transfer: it has arrived and shows in the stocks. */
  delivered: z.boolean().optional(),
  /** From the giving village, after an accepted transfer: it has left; it can no longer be cancelled. */
  dispatched: z.boolean().optional(),
});

