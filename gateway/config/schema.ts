// The gateway's configuration file (village.yaml): one schema, defaults inside it.
import { z } from "zod";
import { idSchema } from "../../protocol/payloads.ts";
import { urgencySchema } from "../../protocol/federation.ts";

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
        /** Each tank's own capacity, for its percent on the dashboards. */
        tankCapacityLitres: z
          .record(z.string(), z.number().positive())
          .default({ "tank-north-level": 10_000, "tank-south-level": 10_000, "cistern-level": 30_000 }),
        targetDays: z.number().positive().default(7),
        /**
         * A level that must move while another sensor shows flow: the main's meter for the tanks
         * it draws from, the pump for the cistern it empties. The same reading through
         * `stuckAfterMinutes` of that flow is taken as a stuck sensor. Unset, the reference
         * village's plumbing applies to whichever of its sensors the boards declare.
         */
        changesWhile: z.record(z.string(), sensorRef).optional(),
        stuckAfterMinutes: z.number().positive().default(30),
      })
      .prefault({}),
    power: z
      .strictObject({
        socSensor: sensorRef.default("battery-soc"),
        currentSensor: sensorRef.default("battery-current"),
        voltageSensor: sensorRef.default("battery-voltage"),
        /** Solar (or any charging source) in W: with the battery's V and I it gives the load. */
        inflowSensor: sensorRef.optional().default("solar-power"),
        capacityWh: z.number().positive().default(19_200),
        targetDays: z.number().positive().default(2),
        /** The battery taking in more than the input gives for this long: a sensor lies (gateway/reserves/power-plausibility.ts). */
        implausibleAfterMinutes: z.number().positive().default(30),
        /** The state of charge reading the same while this much of capacity (%) went in or out: stuck. */
        socStuckAfterPct: z.number().positive().max(100).default(3),
        /** The charging input at or above this, W, is the battery being charged: `power.hoursWithoutCharge` counts from the last such reading. */
        chargeSeenW: z.number().positive().default(50),
      })
      .prefault({}),
    food: z
      .strictObject({
        staples: z
          // A staple without a sensor is counted by hand only (POST /api/pantry/counts).
          .array(
            z.strictObject({
              sensor: sensorRef.optional(),
              name: idSchema,
              kcalPerKg: z.number().positive(),
              /** What the kitchen takes from it in a usual day: the reference its scale is held to (scaleChecks). */
              usualDailyKg: z.number().positive().optional(),
            }),
          )
          .min(1)
          .default([
            { sensor: "grain-bin", name: "grain", kcalPerKg: 3_400 },
            { sensor: "legumes-bin", name: "legumes", kcalPerKg: 3_400 },
            { sensor: "oil-store", name: "oil", kcalPerKg: 8_840 },
          ]),
        targetDays: z.number().positive().default(30),
        /** A kitchen's hand count stands this long before the figure that uses it is uncertain. */
        countStaleAfterDays: z.number().positive().default(7),
        /**
         * For this long after it is taken, a hand count is the staple's figure even where a scale
         * reads later: a count someone just made is not replaced by the next scale reading. After
         * that the newer of the two counts.
         */
        countHoldsHours: z.number().min(0).default(12),
        /**
         * Pantry scales that lie (gateway/reserves/scale-checks.ts): a rise in small moves (each
         * under `stepKg`, so not a delivery) past `driftShare` of the bin or `driftMinKg` within
         * `driftWindowHours` marks the staple uncertain and counts the scale among the reserve
         * sensors in trouble; the very same value for `unconfirmedAfterHours` with no hand count
         * since marks it unconfirmed (uncertain, no alert: a store nobody opened reads the same).
         * A staple with `usualDailyKg` whose scale shows less than `useBelowShare` of it taken over
         * `useWindowHours` (stuck, or creeping up slower than the kitchen takes) is in trouble too.
         */
        scaleChecks: z
          .strictObject({
            unconfirmedAfterHours: z.number().positive().default(168),
            driftWindowHours: z.number().positive().default(24),
            driftShare: z.number().positive().max(1).default(0.02),
            driftMinKg: z.number().positive().default(2),
            stepKg: z.number().positive().default(5),
            useWindowHours: z.number().positive().max(24 * 14).default(24),
            useBelowShare: z.number().positive().max(1).default(0.5),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Days left and stocks are kept as history (device "reserve-figures") this often, on the gateway's clock. */
    historyMinutes: z.number().min(1).max(1440).default(10),
    /** Consumption is measured over this trailing window. */
    windowHours: z.number().positive().max(24 * 14).default(24),
    /** A sensor silent for longer makes the figures that use it uncertain. */
    staleAfterMinutes: z.number().positive().default(15),
  })
  .prefault({});

const hubUrlSchema = z.string().regex(/^mqtts?:\/\/[^/]+:\d+\/?$/, "an mqtt:// or mqtts:// URL with host and port");

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
  /** Home Assistant MQTT discovery on the village broker (gateway/integrations/home-assistant.ts). */
  homeAssistant: z.strictObject({ discovery: z.boolean().default(false) }).prefault({}),
  /** Alarms beyond screens: board outputs that sound while alerts are active (a siren, a strobe, a lamp tower). */
  alarms: z
    .strictObject({
      outputs: z
        .array(
          z.strictObject({
            device: idSchema,
            output: idSchema,
            /** The urgencies that sound it. */
            urgencies: z.array(urgencySchema).min(1).default(["Emergency"]),
            /** acknowledged: silent once someone acknowledges (a siren); cleared: on until every such alert clears (a lamp). */
            until: z.enum(["acknowledged", "cleared"]).default("acknowledged"),
          }),
        )
        .max(20)
        .default([]),
      /**
       * SMS through a GSM modem run by gammu-smsd (Debian's gammu-smsd): each alert of these
       * urgencies, raised and cleared, is handed to gammu-smsd-inject for every number, retried
       * from the trigger state until it is taken; gammu-smsd sends it and retries the radio side.
       */
      sms: z
        .strictObject({
          /** gammu-smsd's configuration file (its outbox is where the messages go). */
          gammuConfig: z.string().min(1),
          /** Shared phones of the circles on call (E.164), not a list of residents. */
          numbers: z.array(z.string().regex(/^\+[1-9][0-9]{6,14}$/, "an international number such as +15550100")).min(1).max(20),
          urgencies: z.array(urgencySchema).min(1).default(["Emergency"]),
          retryMs: z.number().int().min(100).max(3_600_000).default(30_000),
          /** A message gammu-smsd holds this long, neither sent nor given up, makes health degraded (a modem unplugged, a daemon hung). */
          heldTooLongMs: z.number().int().min(1_000).max(86_400_000).default(600_000),
        })
        .optional(),
    })
    .prefault({}),
  federation: z
    .strictObject({
      /** The federation hub's broker; absent (and no hubUrls): this village runs alone. */
      hubUrl: hubUrlSchema.optional(),
      /** The nodes of a hub that runs on Redis: the link fails over between them in this order. */
      hubUrls: z.array(hubUrlSchema).min(1).max(16).optional(),
      /** For mqtts:// hubs: the CA certificate to trust, and a client certificate if the hub asks for one (PEM files). */
      tls: z.strictObject({ caFile: z.string().min(1), certFile: z.string().min(1).optional(), keyFile: z.string().min(1).optional() }).optional(),
      /** The village gateway's identity at the hub (default: the village id, as `npm run enrol -- --village <id>` names it) and its secret. */
      identity: z.string().optional(),
      secret: z.string().optional(),
      /**
       * How often the reserve summary goes to the hub, ms. The hub answers each with the village's
       * proposals, so a list lost in a hub failover is replaced within one interval.
       */
      summaryIntervalMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
    })
    .prefault({}),
  /** Board files of every edge device this gateway accepts readings from. */
  boardsDir: z.string().min(1).default("boards"),
  dataDir: z.string().min(1).default("./data"),
  mqtt: z
    .strictObject({
      host: z.string().min(1).default("0.0.0.0"),
      port: portSchema.default(1883),
      /**
       * Every client proves an identity enrolled with `npm run enrol` (secrets kept as scrypt hashes
       * in dataDir/identities.json), and the topic ACL applies: the default, since anyone can join a
       * village network. Off: any client may connect (`--simulate` on loopback, test harnesses);
       * the gateway warns at start.
       */
      requireIdentity: z.boolean().default(true),
      /** Given: the broker speaks MQTT over TLS only (mqtts://), with this certificate and key (PEM files). */
      tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      /** Limits that keep a broken or hostile client from taking the broker down. */
      limits: z
        .strictObject({
          maxPacketBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(512 * 1024),
          connectTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
          maxConnectionsPerAddress: z.number().int().min(1).max(10_000).default(32),
          /** A board publishes every few seconds and replays a backlog in batches: 1,000/s is ample. */
          maxPublishesPerSecond: z.number().int().min(1).max(1_000_000).default(1_000),
        })
        .prefault({}),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().min(1).default("0.0.0.0"),
      port: portSchema.default(1880),
      /** Given: the API and dashboards are served over HTTPS only, with this certificate and key (PEM files). */
      tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      /**
       * Anyone on the network may change things without a login. Off by default: without accounts a
       * gateway is read-only. Only for a village that chose it; the gateway warns at every start.
       */
      anonymousWrites: z.boolean().default(false),
      /** Origins besides the gateway's own from which a browser may write (a reverse proxy's https://name). */
      allowedOrigins: z.array(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin)).max(16).default([]),
    })
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
      /** Readings held in memory for retry while the store is down; the rest wait in the edges' journals. */
      maxHeldPoints: z.number().int().min(0).max(1_000_000).default(50_000),
      /** Pause between write attempts while the store is down. */
      retryMs: z.number().int().min(10).max(60_000).default(1_000),
    })
    .prefault({}),
  store: z
    .strictObject({
      rawRetentionDays: z.number().positive().default(90),
      hourlyRetentionDays: z.number().positive().default(5 * 365),
    })
    .prefault({}),
  /** Node-RED with the dashboards, on the gateway's HTTP port. */
  nodeRed: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The flow files, one per audience, plus shared.json for the dashboard's config nodes. */
      flowsDir: z.string().min(1).default("flows"),
      /** The editor at /admin; off, nobody can change flows from a browser. */
      editor: z.boolean().default(true),
      /**
       * Role accounts that may log in to the editor, such as "maintenance" or "kitchen": a circle's
       * shared account, not a person. Passwords are bcrypt hashes (`npx node-red admin hash-pw`),
       * never plain text.
       */
      accounts: z
        .array(
          z.strictObject({
            account: z.string().regex(/^[a-z0-9_-]{2,32}$/, "lower-case letters, digits, - and _"),
            password: z.string().regex(/^\$2[aby]\$\d\d\$.{53}$/, "a bcrypt hash, not a password: npx node-red admin hash-pw"),
            permissions: z.enum(["*", "read"]).default("*"),
          }),
        )
        .default([]),
      /** Encrypts credentials in Node-RED's flows; absent: generated and kept in dataDir. */
      credentialSecret: z.string().min(16).optional(),
    })
    .prefault({}),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type ReservesConfig = z.infer<typeof reservesConfigSchema>;
export type Norms = z.infer<typeof normsSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
