// How every command (edge, gateway, hub, tools) reads its flags: an unknown flag, a missing value
// or a number out of range ends the process with status 2, the problem named and the usage line,
// not a stack trace and not a NaN that setInterval takes for 1 ms. Here because edge and gateway
// commands both use it and the edge never imports the gateway.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Prints the problem and the usage line, exits 2. */
export function usageError(problem: string, usage: string): never {
  console.error(`${problem}\nusage: ${usage}`);
  process.exit(2);
}

export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
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
