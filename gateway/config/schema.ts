// The gateway's configuration file (village.yaml): one schema, defaults inside it.
import { z } from "zod";
import { idSchema } from "../../protocol/payloads.ts";

const portSchema = z.number().int().min(0).max(65535);

const sensorRef = z.string().min(1);

/** Per-person-per-day norms the village agreed on; used for the norm-based days-left figures. */
export const normsSchema = z
  .strictObject({
    /** Sphere's humanitarian range is 7.5-15 L; villages add kitchen and garden on top. */
    waterLitresPerPersonDay: z.number().positive().default(15),
    foodKcalPerPersonDay: z.number().positive().default(2_100),
    /** The village's essential electrical load per day, not per person. */
    baselineWhPerDay: z.number().positive().default(24_000),
  })
  .prefault({});

export const reservesConfigSchema = z
  .strictObject({
    water: z
      .strictObject({
        sensors: z.array(sensorRef).min(1).default(["tank-north-level", "tank-south-level", "cistern-level"]),
        /** The flow meter on the main (L/min): measures consumption directly, so inflows separate. */
        flowSensor: sensorRef.optional().default("main-flow"),
        capacityLitres: z.number().positive().default(50_000),
        targetDays: z.number().positive().default(7),
      })
      .prefault({}),
    power: z
      .strictObject({
        socSensor: sensorRef.default("battery-soc"),
        currentSensor: sensorRef.default("battery-current"),
        voltageSensor: sensorRef.default("battery-voltage"),
        capacityWh: z.number().positive().default(19_200),
        targetDays: z.number().positive().default(2),
      })
      .prefault({}),
    food: z
      .strictObject({
        staples: z
          .array(z.strictObject({ sensor: sensorRef, name: idSchema, kcalPerKg: z.number().positive() }))
          .min(1)
          .default([
            { sensor: "grain-bin", name: "grain", kcalPerKg: 3_400 },
            { sensor: "legumes-bin", name: "legumes", kcalPerKg: 3_400 },
            { sensor: "oil-store", name: "oil", kcalPerKg: 8_840 },
          ]),
        targetDays: z.number().positive().default(30),
      })
      .prefault({}),
    /** Consumption is measured over this trailing window. */
    windowHours: z.number().positive().max(24 * 14).default(24),
    /** A sensor silent for longer makes the figures that use it uncertain. */
    staleAfterMinutes: z.number().positive().default(15),
  })
  .prefault({});

export const gatewayConfigSchema = z.strictObject({
  village: z
    .strictObject({
      id: idSchema,
      name: z.string().min(1).max(80),
      /** A number the village sets in assembly; never a list of people. */
      headCount: z.number().int().positive().max(100_000),
    })
    .default({ id: "riverbend", name: "Riverbend", headCount: 180 }),
  norms: normsSchema,
  reserves: reservesConfigSchema,
  /** Trigger matrix file; absent: gateway/triggers/default-rules.yaml. */
  triggersFile: z.string().min(1).optional(),
  federation: z
    .strictObject({
      /** The federation hub's broker; absent: this village runs alone. */
      hubUrl: z.string().regex(/^mqtts?:\/\//, "an mqtt:// or mqtts:// URL").optional(),
      /** The village gateway's identity at the hub (a village, not a person) and its secret. */
      identity: z.string().optional(),
      secret: z.string().optional(),
    })
    .prefault({}),
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
export type ReservesConfig = z.infer<typeof reservesConfigSchema>;
export type Norms = z.infer<typeof normsSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
