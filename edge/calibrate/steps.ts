// The calibration walk for each driver that needs one: what to ask a maintenance circle to do,
// which raw readings to take, and the calibration that results. Pure: the caller supplies the
// raw readings and the answers.
import type { SensorDefinition } from "../board/schema.ts";

export interface CalibrationIo {
  /** Shows a line; returns what the person typed (Enter alone gives ""). */
  ask(question: string): Promise<string>;
  say(line: string): void;
  /** The sensor's raw value now (ADC counts), averaged over several reports. */
  readRaw(): Promise<number>;
}

export const calibratable = ["analog-linear", "soil-moisture", "nau7802"] as const;
export type CalibratableSensor = Extract<SensorDefinition, { driver: (typeof calibratable)[number] }>;

export function isCalibratable(s: SensorDefinition): s is CalibratableSensor {
  return (calibratable as readonly string[]).includes(s.driver);
}

async function askNumber(io: CalibrationIo, question: string, check: (n: number) => string | undefined = () => undefined): Promise<number> {
  for (;;) {
    const answer = (await io.ask(question)).trim().replace(",", ".");
    const n = Number(answer);
    const problem = answer === "" || !Number.isFinite(n) ? `"${answer}" is not a number` : check(n);
    if (!problem) return n;
    io.say(`  ${problem}; try again.`);
  }
}

async function rawPoint(io: CalibrationIo, instruction: string): Promise<number> {
  await io.ask(`${instruction}, then press Enter.`);
  io.say("  reading...");
  const raw = Math.round(await io.readRaw());
  io.say(`  raw reading: ${raw}`);
  return raw;
}

/** Walks the person through the points and returns the sensor's new calibration block. */
export async function walkCalibration(sensor: CalibratableSensor, io: CalibrationIo): Promise<Record<string, number | number[]>> {
  const name = sensor.label ?? sensor.id;
  const apart = (a: number, b: number, min: number) => (Math.abs(a - b) < min ? `the two points read almost the same (${a} and ${b}): make them further apart and start again` : undefined);
  switch (sensor.driver) {
    case "analog-linear": {
      io.say(`Calibrating ${name} (${sensor.unit}) with two points, as far apart as you can make them.`);
      const c0 = await rawPoint(io, `Point 1: bring ${name} to a known low value (an empty tank, no load)`);
      const v0 = await askNumber(io, `What is the true value now, in ${sensor.unit}?`);
      const c1 = await rawPoint(io, `Point 2: bring ${name} to a known high value (a full tank, a known load)`);
      const v1 = await askNumber(io, `What is the true value now, in ${sensor.unit}?`, (v) => (v === v0 ? "the same value as point 1" : undefined));
      const problem = apart(c0, c1, 10);
      if (problem) throw new Error(problem);
      return { counts: [c0, c1], values: [v0, v1] };
    }
    case "soil-moisture": {
      io.say(`Calibrating the soil probe ${name}: one reading in dry air, one in water.`);
      const dry = await rawPoint(io, "Pull the probe out of the soil, wipe it dry and hold it in the air");
      const wet = await rawPoint(io, "Stand the probe in a glass of water up to its line (not the electronics)");
      const problem = apart(dry, wet, 20);
      if (problem) throw new Error(problem);
      return { dryCounts: dry, wetCounts: wet };
    }
    case "nau7802": {
      io.say(`Calibrating the scale under ${name}: empty, then with a known weight.`);
      const tare = await rawPoint(io, "Empty the bin completely (leave the bin itself on the scale)");
      const spanKg = await askNumber(io, "Put a known weight in the bin (a sack you have weighed). How many kg?", (kg) => (kg > 0 ? undefined : "the weight must be more than 0 kg"));
      const span = await rawPoint(io, `With the ${spanKg} kg in the bin and nobody touching it`);
      const problem = apart(tare, span, 100);
      if (problem) throw new Error(problem);
      return { tareCounts: tare, spanCounts: span, spanKg };
    }
  }
}
