// The calibration walk for each driver that needs one: what to ask a maintenance circle to do,
// which raw readings to take, and the calibration that results. Pure: the caller supplies the
// raw readings and the answers.
import type { SensorDefinition } from "../../protocol/board/schema.ts";

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

/**
 * Two points, then as many more as the person wants (up to 16): a raw reading and the true value
 * of each, returned by rising raw reading. Points too close together, or values that do not all
 * rise or all fall with the reading, are refused with the reason.
 */
async function walkPoints(io: CalibrationIo, name: string, unit: string, minApart: number, first: [string, string]): Promise<Array<{ raw: number; value: number }>> {
  const points: Array<{ raw: number; value: number }> = [];
  for (let k = 0; k < 16; k++) {
    if (k >= 2 && !/^y/i.test((await io.ask("Another point, for a sensor that is not straight? (y/N)")).trim())) break;
    const raw = await rawPoint(io, `Point ${k + 1}: bring ${name} to ${first[k] ?? "another known value, between the others"}`);
    const value = await askNumber(io, `What is the true value now, in ${unit}?`, (v) => (points.some((p) => p.value === v) ? "a point already has that value" : undefined));
    const near = points.find((p) => Math.abs(p.raw - raw) < minApart);
    if (near) throw new Error(`two points read almost the same (${near.raw} and ${raw}): make them further apart and start again`);
    points.push({ raw, value });
  }
  points.sort((a, b) => a.raw - b.raw);
  const d = points.slice(1).map((p, i) => Math.sign(p.value - points[i].value));
  if (!d.every((s) => s === d[0])) throw new Error(`the values do not all rise (or all fall) with the reading (${points.map((p) => `${p.raw}: ${p.value}`).join(", ")}): a point was misread; start again`);
  return points;
}

/** Walks the person through the points and returns the sensor's new calibration block. */
export async function walkCalibration(sensor: CalibratableSensor, io: CalibrationIo): Promise<Record<string, number | number[]>> {
  const name = sensor.label ?? sensor.id;
  const apart = (a: number, b: number, min: number) => (Math.abs(a - b) < min ? `the two points read almost the same (${a} and ${b}): make them further apart and start again` : undefined);
  switch (sensor.driver) {
    case "analog-linear": {
      io.say(`Calibrating ${name} (${sensor.unit}): two points as far apart as you can make them, and more in between if it is not straight.`);
      const points = await walkPoints(io, name, sensor.unit, 10, ["a known low value (an empty tank, no load)", "a known high value (a full tank, a known load)"]);
      return { counts: points.map((p) => p.raw), values: points.map((p) => p.value) };
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
      io.say(`Calibrating the scale under ${name}: empty, then known weights (a sack you have weighed; more sacks for more points).`);
      const points = await walkPoints(io, name, "kg", 100, ["empty (leave the bin itself on the scale), nobody touching it", "loaded with a known weight, nobody touching it"]);
      // Two points keep the tare-and-span form a person can read; more go in as points.
      if (points.length === 2 && points[0].value === 0) return { tareCounts: points[0].raw, spanCounts: points[1].raw, spanKg: points[1].value };
      return { counts: points.map((p) => p.raw), values: points.map((p) => p.value) };
    }
  }
}
