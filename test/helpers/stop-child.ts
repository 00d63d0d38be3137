// Stops a child process the tests started and resolves once it has exited. A process that has
// already exited (by a code or by a signal) resolves at once: waiting for its "exit" would hang.
// One that ignores the signal for `killAfterMs` is killed (gammu-smsd 1.42, hung on a bad outbox
// file, ignores SIGTERM and would hold the suite and a core).
import type { ChildProcess } from "node:child_process";

export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM", killAfterMs = 20_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  await gone;
  clearTimeout(timer);
}
