// A trigger file with two alerts on the food team's crop-loss assessment: an Emergency above 20 %
// and a Priority above 5 %, each clearing at once when the loss is reassessed, for the alarm tests.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const CROP_EMERGENCY = "Crop loss above 20% - seed and food dispatch requested";

export function writeCropAlertRules(dir: string): string {
  const file = join(dir, "rules.yaml");
  writeFileSync(file, `rules:
  - id: crop-failure
    when: greenhouse.cropLossPct > 20
    clear: greenhouse.cropLossPct < 10
    quietAfterClear: 0s
    urgency: Emergency
    actions: [{ alert: ${CROP_EMERGENCY} }]
  - id: crop-watch
    when: greenhouse.cropLossPct > 5
    clear: greenhouse.cropLossPct < 2
    quietAfterClear: 0s
    urgency: Priority
    actions: [{ alert: Crop loss above 5% }]
`);
  return file;
}
