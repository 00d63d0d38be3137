// Runtime schemas for every payload on the wire (zod is the one schema library of the repo).
// Payloads describe stocks and equipment, never persons.
import { z } from "zod";
import { units } from "./units.ts";

/** Ids of devices and sensors: safe in MQTT topics and file names. */
export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes");

/** What a device says of its own reading: measured, or no value it can stand behind. */
export const qualitySchema = z.enum(["good", "invalid"]);

/**
 * What a gateway keeps and publishes: a device's qualities, and "estimate" for its own figures
 * (days left, stocks) that have a value resting on something uncertain (a stale or invalid sensor,
 * a norm standing in for short history); the warning says why. Devices never send it.
 */
export const keptQualitySchema = z.enum(["good", "estimate", "invalid"]);
export type KeptQuality = z.infer<typeof keptQualitySchema>;

/**
 * How far the timestamp can be trusted. "synced": wall clock known when taken; "corrected": taken
 * before the clock was set and corrected afterwards from the monotonic clock; "estimated": taken in
 * an earlier boot before the clock was set, so only an upper bound is known.
 */
export const clockSchema = z.enum(["synced", "corrected", "estimated"]);

export const readingSchema = z.strictObject({
  seq: z.number().int().positive(),
  sensor: idSchema,
  /** null when quality is invalid: an invalid reading never carries a stale value. */
  value: z.number().finite().nullable(),
  unit: z.enum(units),
  quality: qualitySchema,
  /** Unix epoch milliseconds. */
  ts: z.number().int().positive(),
  clock: clockSchema,
  warning: z.string().max(200).optional(),
});

export const readingBatchSchema = z
  .strictObject({
    device: idSchema,
    readings: z.array(readingSchema).min(1).max(1000),
  })
  .superRefine((batch, ctx) => {
    batch.readings.forEach((r, i) => {
      const message = readingValueIssue(r);
      if (message) ctx.addIssue({ code: "custom", path: ["readings", i, "value"], message });
    });
  });

/** What is wrong with a reading's value given its quality, if anything (the batch schema's refinement). */
export function readingValueIssue(r: { quality: string; value: number | null }): string | undefined {
  if (r.quality !== "invalid" && r.value === null) return `a ${r.quality} reading needs a value`;
  if (r.quality === "invalid" && r.value !== null) return "an invalid reading carries no value";
  return undefined;
}

/** Gateway -> edge: these sequence numbers are durably stored and may leave the journal. */
export const ackSchema = z.strictObject({
  device: idSchema,
  /** Inclusive [from, to] ranges of stored sequence numbers. */
  ranges: z.array(z.tuple([z.number().int().positive(), z.number().int().positive()])).min(1),
});

/** Edge -> gateway, retained: how the device and its journal are doing. */
export const deviceStatusSchema = z.strictObject({
  device: idSchema,
  online: z.boolean(),
  ts: z.number().int().positive(),
  journal: z
    .strictObject({
      pending: z.number().int().nonnegative(),
      /** Readings dropped because the journal hit its disk budget: counted, never silent. */
      overflowDropped: z.number().int().nonnegative(),
      /** Readings taken while the journal could not write (a full disk) that memory could not hold. */
      unkept: z.number().int().nonnegative().optional(),
      bytes: z.number().int().nonnegative(),
    })
    .optional(),
  warnings: z.array(z.string().max(200)).max(50).optional(),
  /** Each output's state now: pumps, valves, load-shedding relays (with their tier), vents. */
  outputs: z
    .array(
      z.strictObject({
        id: idSchema,
        kind: z.enum(["relay", "valve", "pwm"]),
        /** "on"/"off", or a PWM duty in %. */
        state: z.union([z.enum(["on", "off"]), z.number().min(0).max(100)]),
        tier: z.number().int().min(1).max(5).optional(),
      }),
    )
    .max(32)
    .optional(),
});

export type Reading = z.infer<typeof readingSchema>;
export type ReadingBatch = z.infer<typeof readingBatchSchema>;
export type Ack = z.infer<typeof ackSchema>;
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;
