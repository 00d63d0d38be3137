// What a village gateway publishes for everyone on its network: its alarm channel and each
// sensor's latest reading. Consumers (Node-RED flows, Home Assistant, a lamp on a Pi) read these.
import { z } from "zod";
import { keptQualitySchema } from "./payloads.ts";

/** One entry of the alarm channel; `id` is unique per village, so a consumer drops an id it has seen. */
export const notificationSchema = z.strictObject({
  id: z.number().int().positive(),
  at: z.iso.datetime(),
  kind: z.enum(["alert-raised", "alert-cleared", "aid-open", "aid-updated", "aid-withdrawn", "aid-fulfilled"]),
  /** The alert's or aid request's id. */
  ref: z.string().min(1),
  text: z.string(),
});
export type Notification = z.infer<typeof notificationSchema>;

/** A sensor's latest reading; an invalid one carries no value, never 0; an estimate says why in its warning. */
export const sensorStateSchema = z.strictObject({
  value: z.number().nullable(),
  unit: z.string(),
  quality: keptQualitySchema,
  warning: z.string().optional(),
  ts: z.iso.datetime(),
});
export type SensorState = z.infer<typeof sensorStateSchema>;
