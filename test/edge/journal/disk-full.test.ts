// A full disk, for real: the edge agent runs in a mount namespace of its own (unshare) with its data
// directory on a 400 KiB tmpfs, which it then fills (test/helpers/disk-full-agent.ts). The agent
// must keep sampling and running its safety loops, say what is wrong, hold readings in memory, count
// the ones memory could not hold, and journal the rest once space is freed.
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Phase {
  phase: string;
  nextSeq: number;
  pending: number;
  unkept: number;
  writeError: string | null;
  tripped?: string | null;
  trippedBefore?: string | null;
  warnings?: string[];
  journalled?: number;
  first?: number;
  last?: number;
}

function runOnFullDisk(maxHeldReadings: number): Record<string, Phase> {
  try {
    execFileSync("unshare", ["-rm", "true"], { stdio: "pipe" });
  } catch (err) {
    throw new Error(`the disk-full test mounts a small tmpfs in a user and mount namespace of its own: it needs unshare (util-linux) and unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or root: ${(err as { stderr?: Buffer }).stderr ?? err}`);
  }
  const mountpoint = mkdtempSync(join(tmpdir(), "cs-disk-full-"));
  try {
    const run = spawnSync("unshare", ["-rm", "sh", "-c", `mount -t tmpfs -o size=400k tmpfs "$1" && exec node --import tsx test/helpers/disk-full-agent.ts "$1" "$2"`, "sh", mountpoint, String(maxHeldReadings)], { encoding: "utf8", timeout: 60_000 });
    if (run.status !== 0) throw new Error(`disk-full agent exited ${run.status}: ${run.stderr}`);
    const phases = run.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Phase);
    return Object.fromEntries(phases.map((p) => [p.phase, p]));
  } finally {
    rmSync(mountpoint, { recursive: true, force: true });
  }
}

describe("the edge agent on a full disk", () => {
  it("keeps sampling and its safety loops, says so, and journals every reading once space is freed", () => {
    const p = runOnFullDisk(5000);
    expect(p.before.writeError).toBeNull();
    expect(p.full.writeError).toMatch(/SQLITE_FULL/);
    expect(p.full.nextSeq - p.filled.nextSeq, "readings taken while the disk was full").toBeGreaterThan(50);
    expect(p.full.trippedBefore).toBeNull();
    expect(p.full.tripped, "the dry-run loop saw the cistern run low").toBe("pump-dry-run");
    expect(p.full.warnings!.join("\n")).toMatch(/cannot be written \(SQLITE_FULL.*free space on the SD card/);
    expect(p.freed.writeError).toBeNull();
    // Nothing lost: every number the journal gave out is in the file.
    expect(p.stopped.journalled).toBe(p.stopped.last! - p.stopped.first! + 1);
    expect(p.freed.unkept).toBe(0);
  }, 90_000);

  it("counts every reading memory could not hold: journalled plus unkept is every reading taken", () => {
    const p = runOnFullDisk(100);
    expect(p.full.unkept).toBeGreaterThan(0);
    expect(p.full.warnings!.join("\n")).toMatch(new RegExp(`${p.full.unkept} reading\\(s\\) taken while .* could not be written were not kept`));
    expect(p.stopped.journalled! + p.freed.unkept).toBe(p.stopped.last! - p.stopped.first! + 1);
  }, 90_000);
});
