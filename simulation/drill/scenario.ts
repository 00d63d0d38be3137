// Drill scenario files: a simulated federation and the events that befall it, in simulated days.
import { z } from "zod";
import { invalidFiles } from "../../protocol/errors.ts";
import { readYamlFile } from "../../lib/yaml-file.ts";
import { idSchema } from "../../protocol/payloads.ts";
import { offerSchema } from "../../protocol/federation.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import { dirname, resolve } from "node:path";
import { existsSync } from "node:fs";
import { loadRegionFile, regionVillages, type Region } from "../../gateway/federation/region.ts";
import { routeSchema } from "../../gateway/federation/routes.ts";

const villageSchema = z.strictObject({
  id: idSchema,
  headCount: z.number().int().positive().max(10_000).default(180),
  /** Initial stocks. */
  waterPct: z.number().min(0).max(100).default(75),
  foodDays: z.number().min(0).max(365).default(45),
  socPct: z.number().min(0).max(100).default(80),
  /** What it can give beyond water and food (fuel, seeds, crews, a generator), as its circle would enter it. */
  offers: z.array(offerSchema).max(50).default([]),
  /** The village's own trigger matrix instead of the shipped one (relative to the scenario file). */
  triggersFile: z.string().min(1).optional(),
  /** The village's own village.yaml (relative to the scenario): its norms, targets, capacities. */
  configFile: z.string().min(1).optional(),
});

/** What an event changes; the domains are water, food, power and greenhouse. */
const eventSchema = z.strictObject({
  day: z.number().min(0),
  village: idSchema.optional(),
  /** Applies to every village (a drought, a supply collapse). */
  all: z.boolean().default(false),
  /** Applies to every village of this federation (region drills). */
  federation: idSchema.optional(),
  note: z.string().max(200).optional(),
  water: z
    .strictObject({
      /** Share of stored water lost at once (a burst tank). */
      lossPct: z.number().min(0).max(100).optional(),
      /** Spring and rain inflow relative to normal. */
      inflowFactor: z.number().min(0).max(5).optional(),
      /** Use relative to normal (a water budget by consensus sets it below 1). */
      useFactor: z.number().min(0).max(5).optional(),
      /** Water lost before the main's meter, L/day (a cracked pipe); 0 once mended. */
      leakLitresPerDay: z.number().min(0).max(1_000_000).optional(),
    })
    .optional(),
  food: z
    .strictObject({
      /** Outside deliveries relative to normal (supply routes cut: 0). */
      supplyFactor: z.number().min(0).max(5).optional(),
      useFactor: z.number().min(0).max(5).optional(),
    })
    .optional(),
  power: z.strictObject({ solarFactor: z.number().min(0).max(5).optional(), loadFactor: z.number().min(0).max(5).optional() }).optional(),
  greenhouse: z
    .strictObject({
      /** The food team's crop loss assessment, entered as it would be through the API. */
      cropLossPct: z.number().min(0).max(100),
    })
    .optional(),
  /**
   * A sensor fault from this day on: `stuck` repeats its last value, `dead` sends nothing,
   * `invalid` sends readings marked invalid, `drifting` reads off by `perDay` more each day (a
   * transducer's zero creeping); `none` ends it.
   */
  sensorFault: z
    .strictObject({ sensor: idSchema, fault: z.enum(["stuck", "dead", "invalid", "drifting", "none"]), perDay: z.number().optional() })
    .refine((f) => (f.fault === "drifting") === (f.perDay !== undefined), { message: "perDay is given with a drifting fault, and only then", path: ["perDay"] })
    .optional(),
  /**
   * The village's federation link from this day: down, its requests and summaries wait in its
   * outbox and it answers no proposal; up, what waited goes out in order.
   */
  link: z.enum(["down", "up"]).optional(),
  /** The village's gateway restarts: its trigger state is reopened from disk and its engine rebuilt. */
  restart: z.literal(true).optional(),
});

export const scenarioSchema = z.strictObject({
  name: idSchema,
  description: z.string().max(500).default(""),
  days: z.number().positive().max(365),
  /** Simulated time per reading round: 0.05 (3 s) for a sub-minute series, up to an hour. */
  stepMinutes: z.number().min(0.05).max(60).default(10),
  /** People take this long to answer a proposal (an assembly, a circle that meets at dusk). */
  decisionDelayHours: z.number().min(0).max(168).default(0),
  /**
   * A donor loads and sends an accepted transfer this long after acceptance; until then the hub
   * cancels it if the need goes (the request withdrawn or fulfilled).
   */
  dispatchDelayHours: z.number().min(0).max(168).default(0),
  /** Sent transfers arrive this long after they leave, where no route says otherwise. */
  transitDays: z.number().min(0).max(30).default(1),
  /** Routes that take longer or shorter, or carry only so much at a time, either direction (the hub is told them too). */
  routes: z.array(routeSchema).max(1_000).default([]),
  /** The villages and their starting stocks; in a region drill, those that differ from villageDefaults. */
  villages: z.array(villageSchema).max(300).default([]),
  /** A region file (relative to the scenario): every village of its federations takes part. */
  region: z.string().min(1).optional(),
  /** Starting stocks of region villages the scenario does not list. */
  villageDefaults: villageSchema.omit({ id: true }).prefault({}),
  events: z.array(eventSchema).default([]),
});

export type Scenario = z.infer<typeof scenarioSchema> & {
  /** The loaded region of a region drill. */
  regionData?: Region;
};
export type ScenarioEvent = z.infer<typeof eventSchema>;

export function parseScenario(input: unknown, file: string): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  const fail = (problems: string[]): never => {
    throw invalidFiles("CS_ERR_SCENARIO_INVALID", problems.map((p) => `${file}: ${p}`));
  };
  if (!parsed.success) fail(describeIssues(parsed.error));
  const scenario: Scenario = parsed.data!;
  const problems: string[] = [];
  if (scenario.region) {
    const region = loadRegionFile(resolve(dirname(file), scenario.region));
    const listed = new Map(scenario.villages.map((v) => [v.id, v]));
    const all = regionVillages(region);
    scenario.villages.forEach((v, i) => {
      if (!all.includes(v.id)) problems.push(`villages[${i}].id: "${v.id}" is in no federation of ${scenario.region}`);
    });
    scenario.villages = all.map((id) => listed.get(id) ?? { id, ...scenario.villageDefaults });
    scenario.regionData = region;
  } else if (scenario.villages.length < 2) problems.push("villages: a drill needs at least two villages, or a region");
  const ids = new Set(scenario.villages.map((v) => v.id));
  const federations = new Set(scenario.regionData?.federations.map((f) => f.id) ?? []);
  if (ids.size !== scenario.villages.length) problems.push("villages: village ids must be unique");
  const places = new Set([...ids, ...(scenario.regionData?.stockpiles.map((p) => p.id) ?? [])]);
  scenario.routes.forEach((r, i) =>
    r.between.forEach((place, j) => {
      if (!places.has(place)) problems.push(`routes[${i}].between[${j}]: "${place}" is not in villages`);
    }),
  );
  scenario.events.forEach((e, i) => {
    if (!e.all && !e.village && !e.federation) problems.push(`events[${i}]: name a village or a federation, or set all: true`);
    if (e.federation && !federations.has(e.federation)) problems.push(`events[${i}].federation: "${e.federation}" is not a federation of the scenario's region`);
    if (e.village && !ids.has(e.village)) problems.push(`events[${i}].village: "${e.village}" is not in villages`);
    if (e.day > scenario.days) problems.push(`events[${i}].day: ${e.day} is after the drill ends (day ${scenario.days})`);
  });
  scenario.villages.forEach((v, i) => {
    for (const key of ["triggersFile", "configFile"] as const) {
      const path = v[key];
      if (!path) continue;
      v[key] = resolve(dirname(file), path);
      if (!existsSync(v[key]!)) problems.push(`villages[${i}].${key}: ${path} does not exist (relative to ${file})`);
    }
  });
  if (problems.length) fail(problems);
  return scenario;
}

export function loadScenarioFile(file: string): Scenario {
  const read = readYamlFile(file);
  if (!read.ok) throw invalidFiles("CS_ERR_SCENARIO_INVALID", read.problems);
  return parseScenario(read.data, file);
}
