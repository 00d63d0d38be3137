import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import Database from "better-sqlite3";
import { join } from "node:path";
import { Journal } from "../../../edge/journal/journal.ts";
import type { Clock } from "../../../edge/journal/clock.ts";
import type { Sample } from "../../../edge/sensors/sample.ts";
import type { Reading } from "../../../protocol/payloads.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

function manualClock(wallMs: number) {
  const c = { wall: wallMs, mono: 0 };
  const clock: Clock = { now: () => c.wall, monotonicMs: () => c.mono };
  return { c, clock, tick(ms: number) { c.wall += ms; c.mono += ms; } };
}

const sample = (value: number): Sample => ({ sensor: "tank-north-level", value, unit: "L", quality: "good" });

function rowsOnDisk(path: string): number {
  const db = new Database(path, { readonly: true });
  const n = (db.prepare("SELECT count(*) AS n FROM readings").get() as { n: number }).n;
  db.close();
  return n;
}

describe("journal", () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, "journal.db");
  });
  afterEach(() => {
    vi.useRealTimers();
    dir.remove();
  });

  it("group-commits at 100 readings and announces them only once they are on disk", () => {
    const { clock } = manualClock(NOW);
    const journal = new Journal({ path, clock, firstSeq: 1 });
    journal.open();
    const announced: Reading[][] = [];
    journal.on("committed", (r) => announced.push(r));
    for (let i = 0; i < 99; i++) journal.append(sample(i));
    expect(rowsOnDisk(path)).toBe(0);
    expect(announced).toEqual([]);
    journal.append(sample(99));
    expect(rowsOnDisk(path)).toBe(100);
    expect(announced[0].map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    journal.close();
  });

  it("numbers a new journal file above the one it replaces, so its readings are not taken for duplicates", () => {
    const m = manualClock(NOW);
    let journal = new Journal({ path, clock: m.clock });
    journal.open();
    for (let i = 0; i < 500; i++) journal.append(sample(i));
    journal.commit();
    expect(journal.firstSeq).toBe(NOW + 1); // unix seconds x 1000, plus one
    const lastOfOld = journal.nextSeq - 1;
    journal.close();
    dir.remove(); // the SD card is replaced: the journal file is gone
    dir = tempDir();
    path = join(dir.path, "journal.db");
    m.tick(60_000); // a minute later
    journal = new Journal({ path, clock: m.clock });
    journal.open();
    expect(journal.firstSeq).toBeGreaterThan(lastOfOld);
    journal.close();
    // Reopening keeps the file's numbering.
    const reopened = new Journal({ path, clock: m.clock });
    reopened.open();
    expect(reopened.stats()).toMatchObject({ firstSeq: NOW + 60_000 + 1, nextSeq: NOW + 60_000 + 1 });
    reopened.close();
  });

  it("numbers a new journal created before the clock is set far above any clock-based start", () => {
    const unset: Clock = { now: () => 5_000, monotonicMs: () => 5_000 };
    const journal = new Journal({ path, clock: unset });
    journal.open();
    expect(journal.firstSeq).toBeGreaterThan(2 ** 51);
    expect(Number.isSafeInteger(journal.firstSeq + 1e9)).toBe(true);
    journal.close();
  });

  it("group-commits a partial batch after 1 s", () => {
    vi.useFakeTimers();
    const { clock } = manualClock(NOW);
    const journal = new Journal({ path, clock, firstSeq: 1 });
    journal.open();
    journal.append(sample(1));
    vi.advanceTimersByTime(999);
    expect(rowsOnDisk(path)).toBe(0);
    vi.advanceTimersByTime(1);
    expect(rowsOnDisk(path)).toBe(1);
    journal.close();
  });

  it("continues the sequence after a reopen, even when every reading was acknowledged", () => {
    const { clock } = manualClock(NOW);
    let journal = new Journal({ path, clock, firstSeq: 1 });
    journal.open();
    for (let i = 0; i < 5; i++) journal.append(sample(i));
    journal.commit();
    journal.acknowledge([[1, 5]]);
    expect(journal.stats().pending).toBe(0);
    journal.close();
    journal = new Journal({ path, clock, firstSeq: 1 });
    journal.open();
    journal.append(sample(6));
    journal.commit();
    expect(journal.pending(0, Infinity, 10).map((r) => r.seq)).toEqual([6]);
    journal.close();
  });

  it("removes only acknowledged ranges and replays the rest in order", () => {
    const { clock } = manualClock(NOW);
    const journal = new Journal({ path, clock, firstSeq: 1 });
    journal.open();
    for (let i = 0; i < 10; i++) journal.append(sample(i));
    journal.commit();
    journal.acknowledge([[2, 4], [7, 7]]);
    expect(journal.pending(0, Infinity, 100).map((r) => r.seq)).toEqual([1, 5, 6, 8, 9, 10]);
    expect(journal.pending(5, 9, 100).map((r) => r.seq)).toEqual([6, 8]);
    journal.close();
  });

  it("stays inside its disk budget and counts what overflowed", () => {
    const { clock } = manualClock(NOW);
    const journal = new Journal({ path, clock, maxBytes: 64 * 1024, firstSeq: 1 });
    journal.open();
    for (let i = 0; i < 5000; i++) journal.append({ ...sample(i), warning: "x".repeat(100) });
    journal.commit();
    const stats = journal.stats();
    expect(stats.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(stats.overflowDropped).toBeGreaterThan(0);
    expect(stats.pending + stats.overflowDropped).toBe(5000);
    journal.close();
    const reopened = new Journal({ path, clock, maxBytes: 64 * 1024, firstSeq: 1 });
    reopened.open();
    expect(reopened.stats().overflowDropped).toBe(stats.overflowDropped);
    reopened.close();
  });

  it("holds readings taken before the clock is set and corrects them from the monotonic clock", () => {
    const m = manualClock(Date.UTC(1970, 0, 1, 0, 5));
    const journal = new Journal({ path, clock: m.clock, firstSeq: 1 });
    journal.open();
    const announced: Reading[][] = [];
    journal.on("committed", (r) => announced.push(r));
    m.c.mono = 1_000;
    journal.append(sample(1));
    journal.commit();
    expect(announced).toEqual([]); // nothing is published with a 1970 timestamp
    expect(journal.pending(0, Infinity, 10)).toEqual([]);
    m.c.mono = 61_000;
    m.c.wall = NOW; // NTP sets the clock 60 s after the reading
    journal.append(sample(2));
    journal.commit();
    const [first, second] = journal.pending(0, Infinity, 10);
    expect(first).toMatchObject({ seq: 1, ts: NOW - 60_000, clock: "corrected" });
    expect(second).toMatchObject({ seq: 2, ts: NOW, clock: "synced" });
    journal.close();
  });

  it("marks unset-clock readings of an earlier boot as estimated, at most the start of this run", () => {
    const early = manualClock(Date.UTC(1970, 0, 1));
    let journal = new Journal({ path, clock: early.clock, firstSeq: 1 });
    journal.open();
    journal.append(sample(1));
    journal.close(); // power cut before the clock was ever set
    const later = manualClock(NOW);
    later.c.mono = 30_000;
    journal = new Journal({ path, clock: later.clock, firstSeq: 1 });
    journal.open();
    expect(journal.pending(0, Infinity, 10)).toEqual([
      expect.objectContaining({ seq: 1, ts: NOW - 30_000, clock: "estimated" }),
    ]);
    journal.close();
  });
});
