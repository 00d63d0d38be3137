// `npm run chaos -- --seed 7 --minutes 10 [--store influxdb]`: a seeded chaos run on loopback that
// stops by itself and prints a table. The same seed replays the same faults at the same moments.
import { numberFlag, parseCommandLine, usageError } from "../../lib/command-line.ts";
import { runChaos } from "./chaos.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const USAGE = "npm run chaos -- [--seed 1] [--minutes 5] [--store embedded|influxdb]";
const { values } = parseCommandLine({ options: { seed: { type: "string", default: "1" }, minutes: { type: "string", default: "5" }, store: { type: "string", default: "embedded" } } }, USAGE);
if (values.store !== "embedded" && values.store !== "influxdb") usageError(`--store: ${values.store} is neither embedded nor influxdb`, USAGE);
const seed = numberFlag("--seed", values.seed, { min: 0, max: 2 ** 31 - 1 }, USAGE)!;
const minutes = numberFlag("--minutes", values.minutes, { min: 0.1, max: 24 * 60, whole: false }, USAGE)!;
const dir = tempDir("cs-chaos-");
const report = await runChaos({ seed, durationMs: minutes * 60_000, dir: dir.path, store: values.store, log: (l) => console.log(`  ${l}`) });
console.log(`\nchaos seed ${report.seed}, ${report.seconds} s: ${Object.entries(report.faults).map(([k, v]) => `${v} × ${k}`).join(", ")}`);
console.log("device        taken    stored  journalled  lost  duplicated");
for (const d of report.devices) console.log(`${d.device.padEnd(12)} ${String(d.taken).padStart(6)} ${String(d.stored).padStart(9)} ${String(d.journalled).padStart(11)} ${String(d.lost).padStart(5)} ${String(d.duplicated).padStart(11)}`);
for (const [db, result] of Object.entries(report.integrity)) console.log(`integrity ${db}: ${result}`);
console.log(`aid requests: ${report.aid.assessments} crop assessments, ${report.aid.opened} opened, ${report.aid.withdrawn} withdrawn; duplicate opens ${report.aid.duplicateOpens.length}, missed withdrawals ${report.aid.missedWithdrawals.length}, missing at the hub ${report.aid.missingAtHub.length}, duplicate open at the hub ${report.aid.duplicateOpenAtHub.length}`);
console.log(`longest outage ${report.longestOutageMs} ms; backlog drained ${report.drainMs} ms after the last fault (goal: within twice the outage)`);
dir.remove();
const a = report.aid;
const aidOk = a.duplicateOpens.length + a.missedWithdrawals.length + a.missingAtHub.length + a.duplicateOpenAtHub.length === 0;
const ok = aidOk && report.drainMs <= 2 * report.longestOutageMs && report.devices.every((d) => d.lost === 0 && d.duplicated === 0) && Object.values(report.integrity).every((r) => r === "ok");
process.exit(ok ? 0 : 1);
