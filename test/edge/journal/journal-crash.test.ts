import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Journal } from "../../../edge/journal/journal.ts";
import { systemClock } from "../../../edge/journal/clock.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { waitFor } from "../../helpers/wait-for.ts";

describe("journal under SIGKILL", () => {
  it("opens intact after the writer is killed mid-write and replays every committed reading", async () => {
    const dir = tempDir();
    const path = join(dir.path, "journal.db");
    const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/journal-writer.ts", path], { stdio: ["ignore", "pipe", "inherit"] });
    let lastCommitted = 0;
    child.stdout.on("data", (d: Buffer) => {
      const lines = d.toString().trim().split("\n");
      lastCommitted = Math.max(lastCommitted, Number(lines[lines.length - 1]));
    });
    await waitFor("the writer to commit 5,000 readings", () => lastCommitted >= 5000, { timeoutMs: 30_000 });
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;

    const db = new Database(path, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();

    const journal = new Journal({ path, clock: systemClock, firstSeq: 1 });
    journal.open();
    const replay = journal.pending(0, Infinity, 1_000_000).map((r) => r.seq);
    // Every reading that was announced as committed is there, with no gap and no duplicate.
    expect(replay.length).toBeGreaterThanOrEqual(lastCommitted);
    expect(replay).toEqual(Array.from({ length: replay.length }, (_, i) => i + 1));
    // New readings continue after the last one on disk.
    journal.append({ sensor: "tank-north-level", value: 1, unit: "L", quality: "good" });
    journal.commit();
    await journal.flushed();
    expect(journal.pending(replay.length, Infinity, 10).map((r) => r.seq)).toEqual([replay.length + 1]);
    journal.close();
    dir.remove();
  });
});
