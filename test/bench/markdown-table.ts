// The benchmark table as docs/benchmarks.md shows it: every row with its figure and goal, and the
// machine and day it ran on (the documentation keeps current figures only, pasted from here).
import { availableParallelism, cpus, totalmem } from "node:os";

export interface BenchRow {
  name: string;
  measured: string;
  ratio: number;
  goal: string;
  pass: boolean | null;
}

export function machine(): string {
  return `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.versions.node}`;
}

export function markdownTable(rows: readonly BenchRow[], at: Date, smoke: boolean): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const verdict = (r: BenchRow) => (r.pass === null ? "" : r.pass ? "met" : "**missed**");
  return [
    `${smoke ? "Smoke run (short, no thresholds)" : "Full run"} of ${at.toISOString().slice(0, 10)} on ${machine()}.`,
    "",
    "| row | figure | measured | goal | |",
    "| --- | ---: | --- | --- | --- |",
    ...rows.map((r) => `| ${cell(r.name)} | ${r.ratio} | ${cell(r.measured)} | ${cell(r.goal)} | ${verdict(r)} |`),
    "",
  ].join("\n");
}
