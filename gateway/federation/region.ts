// A region: several federations of villages, and regional stockpiles (6-12 months of reserves)
// that are drawn on only when a village's own federation cannot cover its need. Loaded from a YAML
// file (`npm run hub -- --region region.yaml`), validated with errors naming file and field.
import { z } from "zod";
import { invalidFiles } from "../../protocol/errors.ts";
import { idSchema } from "../../protocol/payloads.ts";
import { readYamlFile } from "../../lib/yaml-file.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import { transitSchema } from "./routes.ts";

const stockpileSchema = z.strictObject({
  id: idSchema,
  /** Litres and kilocalories held for the region; transfers the hub proposes come off these. */
  waterL: z.number().min(0).default(0),
  foodKcal: z.number().min(0).default(0),
});

export const regionSchema = z.strictObject({
  federations: z.array(z.strictObject({ id: idSchema, villages: z.array(idSchema).min(1).max(500) })).min(1).max(100),
  stockpiles: z.array(stockpileSchema).max(100).default([]),
  /** Days on the road: a default, and routes between villages or stockpiles that differ. */
  transit: transitSchema.prefault({}),
});

export type Region = z.infer<typeof regionSchema>;
export type Stockpile = z.infer<typeof stockpileSchema>;

export function parseRegion(input: unknown, file: string): Region {
  const parsed = regionSchema.safeParse(input);
  if (!parsed.success) throw invalidFiles("CS_ERR_CONFIG_INVALID", describeIssues(parsed.error).map((p) => `${file}: ${p}`));
  const region = parsed.data;
  const problems: string[] = [];
  const seen = new Map<string, string>();
  region.federations.forEach((f, i) =>
    f.villages.forEach((v, j) => {
      if (seen.has(v)) problems.push(`federations[${i}].villages[${j}]: "${v}" is already in federation ${seen.get(v)}`);
      seen.set(v, f.id);
    }),
  );
  region.stockpiles.forEach((s, i) => {
    if (seen.has(s.id)) problems.push(`stockpiles[${i}].id: "${s.id}" is also a village`);
  });
  const places = new Set([...seen.keys(), ...region.stockpiles.map((s) => s.id)]);
  region.transit.routes.forEach((r, i) =>
    r.between.forEach((place, j) => {
      if (!places.has(place)) problems.push(`transit.routes[${i}].between[${j}]: "${place}" is no village or stockpile of the region`);
    }),
  );
  if (problems.length) throw invalidFiles("CS_ERR_CONFIG_INVALID", problems.map((p) => `${file}: ${p}`));
  return region;
}

export function loadRegionFile(file: string): Region {
  const read = readYamlFile(file);
  if (!read.ok) throw invalidFiles("CS_ERR_CONFIG_INVALID", read.problems);
  return parseRegion(read.data, file);
}

/** Every village of the region, in file order. */
export function regionVillages(region: Region): string[] {
  return region.federations.flatMap((f) => f.villages);
}
