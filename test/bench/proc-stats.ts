// What Linux's /proc says a process has used, for benchmarks that measure processes they did not
// start in-process (influxd, a spawned village or agent) or the kernel's view of their own writes.
// Each throws where /proc lacks the figure: a 0 would read as a goal met.
import { readFileSync } from "node:fs";

/** CPU time (ms) a process has used so far (Linux's clock tick is 10 ms). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces: count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Bytes a process has caused to be written to storage, in whole 4 KiB blocks. */
export function processWriteBytes(pid: number | "self" = "self"): number {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const bytes = /write_bytes: (\d+)/.exec(io)?.[1];
  if (bytes === undefined) throw new Error(`/proc/${pid}/io has no write_bytes line`);
  return Number(bytes);
}

/** A process's resident memory now, KiB. */
export function processRssKb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kb === undefined) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(kb);
}
