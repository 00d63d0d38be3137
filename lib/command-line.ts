// How every command (edge, gateway, hub, tools) reads its flags: an unknown flag, a missing value
// or a number out of range ends the process with status 2, the problem named and the usage line,
// not a stack trace and not a NaN that setInterval takes for 1 ms. Here because edge and gateway
// commands both use it and the edge never imports the gateway.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The project's version, from the nearest package.json above this file (source or a compiled build). */
export const VERSION: string = (() => {
  for (let dir = new URL("./", import.meta.url); ; dir = new URL("../", dir)) {
    const file = new URL("package.json", dir);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    if (dir.pathname === "/") throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
  }
})();

/** Prints the problem and the usage line, exits 2. */
export function usageError(problem: string, usage: string): never {
  console.error(`${problem}\nusage: ${usage}`);
  process.exit(2);
}

/**
 * Reads the flags. `--help` (or `-h`) prints the usage line and `--version` the version, both to
 * standard output with status 0, whatever else is on the line.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  const argv = config.args ?? process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  if (argv.includes("--version")) {
    console.log(`commons-sense ${VERSION}`);
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (err) {
    return usageError((err as Error).message, usage);
  }
}

/**
 * A flag that holds a number in [min, max], a whole one unless `whole` is false; undefined stays
 * undefined. The flag is named with its dashes, as typed.
 */
export function numberFlag(
  flag: string,
  text: string | undefined,
  { min, max, whole = true }: { min: number; max: number; whole?: boolean },
  usage: string,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max) {
    return usageError(`${flag}: ${JSON.stringify(text)} is not a ${whole ? "whole number" : "number"} from ${min} to ${max}`, usage);
  }
  return n;
}

/** A flag that holds a URL with one of `protocols` (without the colon) and a host. */
export function urlFlag(flag: string, text: string, protocols: readonly string[], usage: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below with the rest
  }
  if (!url || !protocols.includes(url.protocol.slice(0, -1)) || !url.hostname) {
    return usageError(`${flag}: ${JSON.stringify(text)} is not a URL of the form ${protocols.map((p) => `${p}://host:port`).join(" or ")}`, usage);
  }
  return text;
}

/**
 * Ends a command whose start failed with one plain line: a port already taken, a coded error.
 * Anything else is a defect and keeps its stack.
 */
export function exitOnStartError(err: unknown, what: string): never {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === "EADDRINUSE") {
    console.error(`${what} did not start: port ${e.port ?? "?"} on ${e.address ?? "?"} is in use: stop what holds it (another instance?) or choose another port`);
    process.exit(1);
  }
  if (e?.code === "EACCES" && e.port !== undefined) {
    console.error(`${what} did not start: port ${e.port} on ${e.address ?? "?"} needs privileges: choose a port above 1023`);
    process.exit(1);
  }
  throw err;
}
