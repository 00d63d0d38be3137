// `npm run drill -- <scenario>`: a shipped scenario by name (simulation/drill/scenarios),
// or any scenario file by path. Prints a timeline, each request's story and the needs nobody could
// cover, and writes a JSON report.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCommandLine, usageError } from "../../lib/command-line.ts";
import { isCsError } from "../../protocol/errors.ts";
import { runDrill } from "./run-drill.ts";
import { loadScenarioFile } from "./scenario.ts";

const USAGE = "npm run drill -- <storm|blackout|drought|supply-collapse|sensor-faults|spring-failure|region-drought|path/to/scenario.yaml> [--out drill-results]";
const { positionals, values } = parseCommandLine({ allowPositionals: true, options: { out: { type: "string", default: "drill-results" } } }, USAGE);
const arg = positionals[0];
if (!arg) usageError("a scenario is required", USAGE);
const shipped = fileURLToPath(new URL(`./scenarios/${arg}.yaml`, import.meta.url));
const file = existsSync(arg) ? arg : shipped;

try {
  const scenario = loadScenarioFile(file);
  console.log(`\nDrill ${scenario.name}: ${scenario.description}`);
  console.log(`${scenario.villages.length} villages, ${scenario.villages.reduce((n, v) => n + v.headCount, 0)} people, ${scenario.days} days\n`);
  // A region drill takes a minute: say how far it is, on stderr so the timeline stays clean.
  const started = performance.now();
  const report = runDrill(scenario, { onDay: (d) => console.error(`simulated day ${d} of ${scenario.days} done (${((performance.now() - started) / 1000).toFixed(1)} s)`) });
  for (const t of report.timeline) console.log(`day ${t.day.toFixed(2).padStart(6)}  ${t.village.padEnd(12)} ${t.kind.padEnd(18)} ${t.text}`);
  console.log("\nRequests:");
  for (const r of report.requests) {
    const got = r.arrived.reduce((n, a) => n + a.amount, 0);
    const end = r.withdrawnDay !== null ? `withdrawn day ${r.withdrawnDay.toFixed(2)}` : r.fulfilledDay !== null ? `help arrived day ${r.fulfilledDay.toFixed(2)}` : "still open";
    console.log(`  ${r.id}: opened day ${r.openedDay.toFixed(2)}, ${r.versions.length} versions (${r.versions.map((v) => v.amount).join(" → ")} ${r.unit}), ${got} ${r.unit} arrived, ${end}`);
  }
  const short = report.unmetNeed.filter((n) => n.uncovered > 0);
  if (short.length) console.log("\nNeeds nobody in reach could cover, at the start of a day:");
  for (const n of short) console.log(`  day ${n.day.toFixed(0).padStart(3)}  ${n.village.padEnd(12)} ${n.resource} ${n.uncovered} ${n.unit} of ${n.asked}`);
  console.log(`\n${report.aidRequests.length} aid request messages, ${report.transfers.length} transfers, ${report.donorsBelowTarget.length} donors pushed below target`);
  mkdirSync(values.out!, { recursive: true });
  const out = join(values.out!, `${scenario.name}.json`);
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(`report: ${out}`);
} catch (err) {
  if (isCsError(err)) {
    console.error(`${err.code}: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
