// Pass one of board validation: the shape of a single board file, with its defaults.
import { z } from "zod";
import { idSchema } from "../payloads.ts";
import { domains, units, type Unit } from "../units.ts";

/** Analog pins are written A0..A15 as on the Arduino silk screen. */
export const analogPinSchema = z.string({ error: "an analog pin, A0 to A15" }).regex(/^A([0-9]|1[0-5])$/, "an analog pin, A0 to A15");
/** Digital pins by number; 0 and 1 carry the Firmata serial link on an Uno. */
export const digitalPinSchema = z
  .number({ error: "a digital pin number such as 7; A0-A15 are for analog drivers" })
  .int()
  .min(2, "pins 0 and 1 carry the serial link")
  .max(69);

const rangeSchema = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo < hi, "range must be [low, high] with low < high");

const durationSchema = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h|d)$/, "a duration such as 90s, 15m or 2h");

const filterSchema = z.union([
  z.strictObject({ median: z.number().int().min(2).max(31) }),
  z.strictObject({ movingAverage: z.number().int().min(2).max(100) }),
  z.strictObject({ maxRate: z.strictObject({ change: z.number().positive(), per: durationSchema, confirmAfter: z.number().int().min(1).max(100).optional() }) }),
  z.strictObject({ stuck: z.strictObject({ for: durationSchema, tolerance: z.number().min(0).optional() }) }),
], { error: "a filter: { median: N }, { movingAverage: N }, { maxRate: { change, per } } or { stuck: { for } }" });

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
  /** Applied in order after calibration and the range check (see edge/sensors/filters.ts). */
  filters: z.array(filterSchema).max(8).optional(),
};

/** Measured x rising (more than two points) or at least differing (two), values all rising or all falling. */
const rises = (xs: number[]) => xs.every((n, i) => i === 0 || n > xs[i - 1]) || (xs.length === 2 && xs[0] !== xs[1]);
const monotonic = (vs: number[]) => {
  const d = vs.slice(1).map((v, i) => Math.sign(v - vs[i]));
  return d.every((s) => s !== 0 && s === d[0]);
};

/**
 * Calibration points: a raw measure (ADC counts, loop milliamps) and the value each means, two for
 * a straight sensor, up to 16 for one that is not, read piecewise linearly between them.
 */
function pointsSchema<X extends "counts" | "milliamps">(x: X, item: z.ZodNumber) {
  const shape = { [x]: z.array(item).min(2).max(16), values: z.array(z.number()).min(2).max(16) } as Record<X | "values", z.ZodArray<z.ZodNumber>>;
  // The refinements see the points generically: zod cannot index its inferred object by a type parameter.
  const points = (c: object) => c as Record<string, number[]>;
  return z.strictObject(shape)
    .refine((c) => points(c)[x].length === points(c).values.length, { message: `as many values as ${x}`, path: ["values"] })
    .refine((c) => rises(points(c)[x]), { message: `the ${x} must differ (and rise, with more than two points)`, path: [x] })
    .refine((c) => monotonic(points(c).values), { message: "the values must all rise or all fall", path: ["values"] });
}

export const analogLinearSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("analog-linear"),
  pin: analogPinSchema,
  unit: z.enum(units),
  /**
   * ADC counts and the values they mean, from the datasheet or a calibration: two points for a
   * linear sensor, more (up to 16, rising counts) for one that is not, read piecewise between them.
   */
  calibration: pointsSchema("counts", z.number().int().min(0).max(1023)),
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

/** 7-bit I2C addresses; 0x00-0x02 and 0x78-0x7F are reserved by the I2C specification. */
const i2cAddressSchema = z.number().int().min(0x03, "an I2C address, 0x03 to 0x77").max(0x77, "an I2C address, 0x03 to 0x77");
/** Filled in from the driver's quantity or field; a board file may state it, but it must agree. */
const derivedUnit = z.enum(units).optional();

export const soilMoistureSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("soil-moisture"),
  pin: analogPinSchema,
  unit: z.literal("%").default("%"),
  /** ADC counts with the probe in dry air and in water. */
  calibration: z.strictObject({ dryCounts: z.number().int().min(0).max(1023), wetCounts: z.number().int().min(0).max(1023) })
    .refine((c) => c.dryCounts !== c.wetCounts, "dryCounts and wetCounts must differ"),
});

export const tankGeometrySchema = z.discriminatedUnion("shape", [
  z.strictObject({ shape: z.literal("vertical-cylinder"), diameterM: z.number().positive(), heightM: z.number().positive() }),
  z.strictObject({ shape: z.literal("horizontal-cylinder"), diameterM: z.number().positive(), lengthM: z.number().positive() }),
  z.strictObject({ shape: z.literal("box"), lengthM: z.number().positive(), widthM: z.number().positive(), heightM: z.number().positive() }),
  z.strictObject({ shape: z.literal("strapping-table"), points: z.array(z.tuple([z.number().min(0), z.number().min(0)])).min(2) }),
]);

export const ultrasonicLevelSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("ultrasonic-level"),
  /** Trigger and echo on one pin (johnny-five's HC-SR04 wiring with PingFirmata) . */
  pin: digitalPinSchema,
  unit: z.literal("L").default("L"),
  mountHeightM: z.number().positive(),
  /** The sensor's blind zone: about 0.02 m for an HC-SR04, 0.25 m for a JSN-SR04T. */
  minDistanceM: z.number().min(0).default(0.25),
  airCelsius: z.number().min(-40).max(60).default(20),
  geometry: tankGeometrySchema,
});

export const pulseFlowSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("pulse-flow"),
  pin: digitalPinSchema,
  unit: z.literal("L/min").default("L/min"),
  /** YF-S201: 450 pulses per litre (F = 7.5 x Q). */
  pulsesPerLitre: z.number().positive().default(450),
});

export const ds18b20Schema = z.strictObject({
  ...sensorBase,
  driver: z.literal("ds18b20"),
  /** The OneWire bus pin (ConfigurableFirmata with OneWire). */
  pin: digitalPinSchema,
  unit: z.literal("°C").default("°C"),
  /** ROM code of the probe on a shared bus, 16 hex digits; the first one found when absent. */
  rom: z.string().regex(/^[0-9a-fA-F]{16}$/, "a 64-bit ROM code as 16 hex digits").optional(),
});

/**
 * A DS18B20 on the Pi's own 1-Wire bus (dtoverlay=w1-gpio, one GPIO for any number of probes),
 * read through the kernel's w1_therm driver: no Arduino needed.
 */
export const ds18b20W1Schema = z.strictObject({
  ...sensorBase,
  driver: z.literal("ds18b20-w1"),
  /** The probe's directory under /sys/bus/w1/devices, as the kernel names it. */
  w1Id: z.string().regex(/^28-[0-9a-f]{12}$/, "a DS18B20 as the kernel names it: 28- and 12 hex digits (ls /sys/bus/w1/devices)"),
  unit: z.literal("°C").default("°C"),
});

const i2cBase = { ...sensorBase, bus: z.literal("i2c").default("i2c") };

export const ads1115CurrentLoopSchema = z.strictObject({
  ...i2cBase,
  driver: z.literal("ads1115-current-loop"),
  address: i2cAddressSchema.default(0x48),
  channel: z.number().int().min(0).max(3),
  shuntOhms: z.number().positive(),
  unit: z.enum(units),
  /** What 4 mA and 20 mA mean: in the unit, or in metres of liquid when a geometry is given. */
  span: z.tuple([z.number(), z.number()]).optional(),
  /** Or measured points (loop mA and what each meant), for a transmitter that is not straight. */
  calibration: pointsSchema("milliamps", z.number().min(3.6).max(21)).optional(),
  geometry: tankGeometrySchema.optional(),
}).refine((s) => (s.span === undefined) !== (s.calibration === undefined), { message: "give either span (4 and 20 mA) or calibration points, one of them", path: ["span"] });

export const shuntMonitorSchema = z.strictObject({
  ...i2cBase,
  driver: z.enum(["ina219", "ina226"]),
  address: i2cAddressSchema.default(0x40),
  quantity: z.enum(["voltage", "current", "power"]),
  shuntOhms: z.number().positive(),
  unit: derivedUnit,
});

export const nau7802Schema = z.strictObject({
  ...i2cBase,
  driver: z.literal("nau7802"),
  address: i2cAddressSchema.default(0x2a),
  unit: z.literal("kg").default("kg"),
  /**
   * Counts with the empty bin, counts with a known weight, and that weight; or three and more
   * points (counts and kg) for a cell that is not straight over its range (npm run calibrate).
   */
  calibration: z.union([
    z.strictObject({ tareCounts: z.number().int(), spanCounts: z.number().int(), spanKg: z.number().positive() })
      .refine((c) => c.tareCounts !== c.spanCounts, "tareCounts and spanCounts must differ"),
    pointsSchema("counts", z.number().int().min(-0x800000).max(0x7fffff)),
  ]),
});

export const bme280Schema = z.strictObject({
  ...i2cBase,
  driver: z.literal("bme280"),
  address: i2cAddressSchema.default(0x76),
  quantity: z.enum(["temperature", "humidity", "pressure"]),
  unit: derivedUnit,
});

export const bh1750Schema = z.strictObject({
  ...i2cBase,
  driver: z.literal("bh1750"),
  address: i2cAddressSchema.default(0x23),
  unit: z.literal("lx").default("lx"),
});

const serialPathSchema = z.string().min(1).regex(/^\//, "a device path such as /dev/ttyUSB0");

export const veDirectSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("vedirect"),
  port: serialPathSchema,
  // No TTG: a monitor's "infinite" time to go (-1, not discharging) has no honest number; the
  // gateway's power.daysLeft is missing, with its reason, when the bank is not running down.
  field: z.enum(["V", "VPV", "I", "IL", "P", "PPV", "SOC", "H19", "H20"], {
    error: (iss) => (iss.input === "TTG" ? "TTG (time to go) is not read: its infinite (-1) has no honest number; the gateway's power.daysLeft gives days left, and says when there is no end" : undefined),
  }),
  unit: derivedUnit,
});

export const sdm120Schema = z.strictObject({
  ...sensorBase,
  driver: z.literal("sdm120"),
  port: serialPathSchema,
  /** The meter's factory default is 2400 baud, 8N1, Modbus address 1. */
  baudRate: z.number().int().positive().default(2400),
  modbusId: z.number().int().min(1).max(247).default(1),
  quantity: z.enum(["voltage", "current", "power", "energy"]),
  unit: derivedUnit,
});

export const serialScaleSchema = z.strictObject({
  ...sensorBase,
  driver: z.literal("serial-scale"),
  port: serialPathSchema,
  baudRate: z.number().int().positive().default(9600),
  unit: z.literal("kg").default("kg"),
  /** Weight of the empty bin on the platform, subtracted from what the scale shows. */
  tareKg: z.number().min(0).default(0),
});

/** Sensors are told apart by driver; an unknown driver is named with the list of known ones. */
const sensorVariants = z.discriminatedUnion(
    "driver",
    [
    analogLinearSchema, digitalInputSchema, coulombSocSchema, soilMoistureSchema, ultrasonicLevelSchema, pulseFlowSchema,
    ds18b20Schema, ds18b20W1Schema, ads1115CurrentLoopSchema, shuntMonitorSchema, nau7802Schema, bme280Schema, bh1750Schema, veDirectSchema,
      sdm120Schema, serialScaleSchema,
    ],
    {
      error: (issue) =>
        issue.code === "invalid_union"
          ? `unknown driver ${JSON.stringify((issue.input as { driver?: unknown })?.driver)} (known: ${driverNames.join(", ")})`
          : undefined,
    },
  );
type SensorVariant = z.output<typeof sensorVariants>;

/** Every driver name a board file may use, read off the sensor schemas (one schema may serve two chips). */
export const driverNames: readonly string[] = sensorVariants.options.flatMap((o) => {
  const driver: z.ZodLiteral<string> | z.ZodEnum = o.shape.driver;
  return "options" in driver ? driver.options.map(String) : [...driver.values];
});

export const sensorSchema = sensorVariants.transform((s) => withUnit(s));

/** Drivers whose unit follows from what they measure fill it in. */
function withUnit<S extends SensorVariant>(s: S): S & { unit: Unit } {
  const derived = derivedUnitOf(s);
  return { ...s, unit: (s.unit ?? derived) as Unit };
}

export function derivedUnitOf(s: { driver: string; quantity?: string; field?: string }): Unit | undefined {
  const byQuantity: Record<string, Unit> = { voltage: "V", current: "A", power: "W", energy: "Wh", temperature: "°C", humidity: "%RH", pressure: "hPa" };
  if (s.driver === "vedirect" && s.field) return veDirectUnits[s.field];
  if (s.quantity) return byQuantity[s.quantity];
  return undefined;
}

const veDirectUnits: Record<string, Unit> = { V: "V", VPV: "V", I: "A", IL: "A", P: "W", PPV: "W", SOC: "%", H19: "Wh", H20: "Wh" };

const actuatorBase = {
  id: idSchema,
  label: z.string().min(1).max(80).optional(),
  /**
   * Longest the output may stay on, and longest a command may hold it away from its safe state
   * (a valve that is safe open, closed); then it returns to its safe state whatever asked for it.
   */
  maxOnTime: durationSchema,
  /** Load-shedding tier: 1 is essential (pumps, clinic fridge), higher tiers are shed first. */
  tier: z.number().int().min(1).max(5).optional(),
  /**
   * On a Firmata board whose wiring is not safe while the firmware drives the pin LOW at start-up
   * (an active-low relay, a safe-open valve on an NO contact): the hardware measure that keeps the
   * load safe meanwhile, in words, e.g. "relay board's JD-VCC switched on by the Pi after start".
   * Without one the board check refuses the wiring.
   */
  bootGuard: z.string().min(10).max(200).optional(),
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
  /** No Arduino: only serial instruments on the Pi's own ports. */
  z.strictObject({ kind: z.literal("instruments") }),
  /** No Arduino: I2C chips on the Pi's own bus (/dev/i2c-N), and serial instruments. */
  z.strictObject({ kind: z.literal("linux-i2c"), bus: z.number().int().min(0).max(31).default(1) }),
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
export type TankGeometryDefinition = z.infer<typeof tankGeometrySchema>;
export type ActuatorDefinition = z.infer<typeof actuatorSchema>;
export type SafetyLoopDefinition = z.infer<typeof safetyLoopSchema>;
