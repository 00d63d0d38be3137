// The reference trigger matrix with the crop-failure rule's 30 min flap suppression taken out, so a
// short test sees several episodes of aid requests opened, updated and withdrawn.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function writeCropRules(dir: string): string {
  const file = join(dir, "triggers.yaml");
  const reference = readFileSync("gateway/triggers/default-rules.yaml", "utf8");
  const rules = reference.replace("    clear: greenhouse.cropLossPct < 10\n", "    clear: greenhouse.cropLossPct < 10\n    quietAfterClear: 0s\n");
  if (rules === reference) throw new Error("the reference crop-failure rule changed; update test/helpers/crop-rules.ts");
  writeFileSync(file, rules);
  return file;
}
