// A command told to stop (systemd's SIGTERM, Ctrl-C's SIGINT) stops its parts and exits 0; a stop
// that fails says so and exits 1 rather than hanging. Real processes, real signals.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "../helpers/temp-dir.ts";

async function run(signal: NodeJS.Signals, stopBody: string): Promise<{ code: number | null; out: string }> {
  const dir = tempDir("cs-signal-");
  try {
    const file = join(dir.path, "command.ts");
    writeFileSync(file, `import { stopOnSignal } from ${JSON.stringify(resolve("lib/stop-on-signal.ts"))};
stopOnSignal(async () => { ${stopBody} });
setInterval(() => undefined, 1_000); // a command that runs until told to stop
console.log("running");
`);
    const child = spawn(process.execPath, ["--import", "tsx", file], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    await new Promise<void>((ok) => child.stdout!.on("data", () => out.includes("running") && ok()));
    child.kill(signal);
    const code = await new Promise<number | null>((ok) => child.once("exit", ok));
    return { code, out };
  } finally {
    dir.remove();
  }
}

describe("stopOnSignal", () => {
  it("stops the parts and exits 0 on SIGTERM and on SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const { code, out } = await run(signal, 'console.log("parts stopped");');
      expect(code, signal).toBe(0);
      expect(out).toContain("parts stopped");
    }
  }, 30_000);

  it("says why and exits 1 when stopping fails", async () => {
    const { code, out } = await run("SIGTERM", 'throw new Error("the store would not close");');
    expect(code).toBe(1);
    expect(out).toContain("stopping failed: the store would not close");
  }, 30_000);
});
