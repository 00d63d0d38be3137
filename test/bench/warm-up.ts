// A benchmark child's warm-up handshake: after its untimed readings it prints "warmed" and waits
// for "go" on stdin, which its parent sends once those readings are stored; then the timed part.
// A consumer runs for months: first-use compilation is no part of its steady-state figure, and
// the parent waits so that no warm-up work falls in the timed window of either side.
import { createInterface } from "node:readline";

export async function warmedWaitForGo(): Promise<void> {
  process.stdout.write("warmed\n");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === "go") break;
  }
  lines.close();
}

/** `--warm-up=<readings>` among a child's arguments, 0 without it. */
export function warmUpReadings(args: readonly string[]): number {
  const arg = args.find((a) => a.startsWith("--warm-up="));
  return arg ? Number(arg.slice("--warm-up=".length)) : 0;
}
