// The gateway's configuration file (village.yaml): one schema, defaults inside it.
import { z } from "zod";
import { idSchema } from "../../protocol/payloads.ts";

const portSchema = z.number().int().min(0).max(65535);

export const gatewayConfigSchema = z.strictObject({
  village: z
    .strictObject({
      id: idSchema,
      name: z.string().min(1).max(80),
      /** A number the village sets in assembly; never a list of people. */
      headCount: z.number().int().positive().max(100_000),
    })
    .default({ id: "riverbend", name: "Riverbend", headCount: 180 }),
  /** Board files of every edge device this gateway accepts readings from. */
  boardsDir: z.string().min(1).default("boards"),
  dataDir: z.string().min(1).default("./data"),
  mqtt: z
    .strictObject({ host: z.string().min(1).default("0.0.0.0"), port: portSchema.default(1883) })
    .prefault({}),
  http: z
    .strictObject({ host: z.string().min(1).default("0.0.0.0"), port: portSchema.default(1880) })
    .prefault({}),
  /** Absent: the embedded SQLite store in dataDir. */
  influx: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      database: z.string().regex(/^[A-Za-z0-9_-]+$/).max(64).optional(),
    })
    .optional(),
  ingest: z
    .strictObject({
      /** Batches are written at this many points... */
      maxBatchPoints: z.number().int().min(1).max(50_000).default(5_000),
      /** ...or after this long, whichever comes first. */
      flushMs: z.number().int().min(1).max(60_000).default(1_000),
      /** Larger payloads are rejected before parsing. 256 KiB fits 1,000 readings. */
      maxPayloadBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
    })
    .prefault({}),
  store: z
    .strictObject({
      rawRetentionDays: z.number().positive().default(90),
      hourlyRetentionDays: z.number().positive().default(5 * 365),
    })
    .prefault({}),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
