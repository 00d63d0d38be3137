// Pass one of board validation: the shape of a single board file, with its defaults.
import { z } from "zod";
import { idSchema } from "../../protocol/payloads.ts";
import { domains, units } from "../../protocol/units.ts";

/** Analog pins are written A0..A15 as on the Arduino silk screen. */
export const analogPinSchema = z.string().regex(/^A([0-9]|1[0-5])$/, "an analog pin, A0 to A15");
/** Digital pins by number; 0 and 1 carry the Firmata serial link on an Uno. */
export const digitalPinSchema = z.number().int().min(2, "pins 0 and 1 carry the serial link").max(69);

const rangeSchema = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo < hi, "range must be [low, high] with low < high");

const sensorBase = {
  id: idSchema,
  /** What people see, e.g. "North storage tank". */
  label: z.string().min(1).max(80).optional(),
  /** Plausible values in the sensor's unit; outside it the reading is invalid, with a warning. */
  range: rangeSchema.optional(),
  /** What a person should check when this sensor lies. */
  hint: z.string().max(120).optional(),
  /** Signal of the physical model that drives this sensor on a simulated board. */
  sim: z.string().regex(/^[a-z]+(\.[a-zA-Z0-9]+)+$/, "a model signal such as water.tankNorth.litres").optional(),
};

export const analogLinearSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("analog-linear"),
  pin: analogPinSchema,
  unit: z.enum(units),
  /** Two ADC counts and the values they mean, from the datasheet or a calibration. */
  calibration: z.strictObject({
    counts: z.tuple([z.number().int().min(0).max(1023), z.number().int().min(0).max(1023)]),
    values: z.tuple([z.number(), z.number()]),
  }).refine((c) => c.counts[0] !== c.counts[1], { message: "the two counts must differ", path: ["counts"] }),
});

export const digitalInputSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("digital-input"),
  pin: digitalPinSchema,
  unit: z.literal("bool").default("bool"),
  /** Active-low inputs (a float switch to ground with pull-up) read 1 when the pin is LOW. */
  activeLow: z.boolean().default(false),
});

export const coulombSocSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("coulomb-soc"),
  /** The current sensor to integrate (positive = charging), by id on the same board. */
  source: idSchema,
  unit: z.literal("%").default("%"),
  capacityAh: z.number().positive(),
  /** State of charge assumed the very first time; afterwards the count survives restarts. */
  initialPct: z.number().min(0).max(100).default(80),
});

export const sensorSchema = z.discriminatedUnion("driver", [analogLinearSchema, digitalInputSchema, coulombSocSchema], {
  error: (issue) =>
    issue.code === "invalid_union"
      ? `unknown driver ${JSON.stringify((issue.input as { driver?: unknown })?.driver)} (known: analog-linear, digital-input, coulomb-soc)`
      : undefined,
});

const durationSchema = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h|d)$/, "a duration such as 90s, 15m or 2h");

const actuatorBase = {
  id: idSchema,
  label: z.string().min(1).max(80).optional(),
  /** Longest the output may stay on; then it returns to its safe state whatever asked for it. */
  maxOnTime: durationSchema,
  /** Load-shedding tier: 1 is essential (pumps, clinic fridge), higher tiers are shed first. */
  tier: z.number().int().min(1).max(5).optional(),
};

export const relaySchema = z.strictObject({
  ...actuatorBase,
  kind: z.enum(["relay", "valve"]),
  pin: digitalPinSchema,
  /** Most cheap relay boards switch ON when their input is LOW. */
  activeLow: z.boolean().default(false),
  /** Which contact the load hangs on: NO (powered while the coil is energised) or NC. */
  contact: z.enum(["NO", "NC"]).default("NO"),
  /** The state the output falls back to at boot, on reconnect, on expiry and on fault. */
  safeState: z.enum(["on", "off"]).default("off"),
  /** A valve's end-switch (HIGH when open), read back to confirm it moved. */
  feedbackPin: digitalPinSchema.optional(),
  /** How long the valve may take to reach its end-switch. */
  travelTime: durationSchema.default("30s"),
});

export const pwmSchema = z.strictObject({
  ...actuatorBase,
  kind: z.literal("pwm"),
  pin: digitalPinSchema,
  /** Safe duty cycle, %. */
  safeState: z.number().min(0).max(100).default(0),
});

export const actuatorSchema = z.discriminatedUnion("kind", [relaySchema, pwmSchema]);

/** A local safety loop: runs on the edge with no gateway and always wins over a command. */
export const safetyLoopSchema = z.strictObject({
  id: idSchema,
  description: z.string().max(200).optional(),
  /** A condition over this board's sensor ids, e.g. "cistern-level < 1500". */
  when: z.string().min(1),
  /** Hysteresis: the loop lets go only when this holds. */
  clear: z.string().min(1),
  output: idSchema,
  /** What the output is held at while the loop is tripped: on/off, or a PWM duty in %. */
  hold: z.union([z.enum(["on", "off"]), z.number().min(0).max(100)]),
  /** When a sensor it needs cannot be read: trip (fail safe, the default) or keep as it is. */
  whenUnreadable: z.enum(["trip", "keep"]).default("trip"),
});

export const ioSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("simulated") }),
  z.strictObject({
    kind: z.literal("firmata"),
    path: z.string().min(1),
    /** StandardFirmata's default. */
    baudRate: z.number().int().positive().default(57600),
  }),
]);

export const boardSchema = z.strictObject({
  id: idSchema,
  domain: z.enum(domains),
  name: z.string().min(1).max(80),
  io: ioSchema,
  sampleIntervalMs: z.number().int().min(100).max(3_600_000).default(10_000),
  sensors: z.array(sensorSchema).min(1).max(64),
  actuators: z.array(actuatorSchema).max(32).default([]),
  safety: z.array(safetyLoopSchema).max(32).default([]),
});

export type BoardDefinition = z.infer<typeof boardSchema>;
export type SensorDefinition = z.infer<typeof sensorSchema>;
export type AnalogLinearDefinition = z.infer<typeof analogLinearSchema>;
export type DigitalInputDefinition = z.infer<typeof digitalInputSchema>;
export type CoulombSocDefinition = z.infer<typeof coulombSocSchema>;
export type ActuatorDefinition = z.infer<typeof actuatorSchema>;
export type SafetyLoopDefinition = z.infer<typeof safetyLoopSchema>;
