import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRegionFile } from "../../../gateway/federation/region.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { problemsOf } from "../../helpers/problems-of.ts";

describe("region files", () => {
  it("loads the shipped region and names file and field for every problem in a wrong one", () => {
    const region = loadRegionFile("gateway/federation/regions/example-region.yaml");
    expect(region.federations).toHaveLength(10);
    expect(region.federations.flatMap((f) => f.villages).length).toBeGreaterThanOrEqual(200);
    const dir = tempDir();
    const file = join(dir.path, "region.yaml");
    writeFileSync(file, "federations:\n  - { id: north, villages: [riverbend, hillside] }\nstockpiles:\n  - { id: depot, waterL: -1 }\n");
    const schema = problemsOf("CS_ERR_CONFIG_INVALID", () => loadRegionFile(file));
    writeFileSync(file, "federations:\n  - { id: north, villages: [riverbend, hillside] }\n  - { id: south, villages: [hillside] }\nstockpiles:\n  - { id: riverbend }\ntransit:\n  routes:\n    - { between: [hillside, atlantis], days: 2 }\n");
    const cross = problemsOf("CS_ERR_CONFIG_INVALID", () => loadRegionFile(file));
    dir.remove();
    expect(schema).toEqual([expect.stringMatching(new RegExp(`^${file}: stockpiles[.\\[]0[.\\]]*\\.?waterL`))]);
    expect(cross).toEqual([
      `${file}: federations[1].villages[0]: "hillside" is already in federation north`,
      `${file}: stockpiles[0].id: "riverbend" is also a village`,
      `${file}: transit.routes[0].between[1]: "atlantis" is no village or stockpile of the region`,
    ]);
  });
});
