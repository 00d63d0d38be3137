import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../../gateway/store/embedded-store.ts";
import type { StoredReading } from "../../../gateway/store/store.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe("embedded store retention", () => {
  it("folds raw readings past retention into hourly min/mean/max and drops expired hours", async () => {
    const dir = tempDir();
    const store = new EmbeddedStore({ dataDir: dir.path, rawRetentionDays: 30, hourlyRetentionDays: 365, now: () => NOW });
    await store.start();
    const old = NOW - 40 * DAY; // past raw retention
    const hour = Math.floor(old / 3_600_000) * 3_600_000;
    const rows: StoredReading[] = [10, 20, 30].map((value, i) => ({
      device: "water-main", seq: i + 1, sensor: "tank-north-level", value, unit: "L", quality: "good", ts: hour + i * 60_000, clock: "synced",
    }));
    rows.push({ device: "water-main", seq: 4, sensor: "tank-north-level", value: null, unit: "L", quality: "invalid", ts: hour + 5 * 60_000, clock: "synced", warning: "x" });
    // A gateway's estimate folds in too, counted as one: an hour is never read as more measured than it was.
    rows.push({ device: "water-main", seq: 9, sensor: "tank-north-level", value: 20, unit: "L", quality: "estimate", ts: hour + 6 * 60_000, clock: "synced", warning: "norm" });
    rows.push({ device: "water-main", seq: 5, sensor: "tank-north-level", value: 99, unit: "L", quality: "good", ts: NOW - 400 * DAY, clock: "synced" });
    rows.push({ device: "water-main", seq: 6, sensor: "tank-north-level", value: 7, unit: "L", quality: "good", ts: NOW - DAY, clock: "synced" });
    await store.write(rows);
    await store.compact();
    expect(await store.sequences("water-main")).toEqual([6]); // only the recent raw reading stays raw
    expect(store.hourly("tank-north-level", 0, NOW)).toEqual([
      { sensor: "tank-north-level", device: "water-main", unit: "L", hourMs: hour, min: 10, mean: 20, max: 30, count: 4, estimates: 1 },
    ]); // the 400-day-old hour is past hourly retention
    // A second compaction merges into the same hour rather than duplicating it.
    await store.write([{ device: "water-main", seq: 7, sensor: "tank-north-level", value: 40, unit: "L", quality: "good", ts: hour + 10 * 60_000, clock: "synced" }]);
    await store.compact();
    expect(store.hourly("tank-north-level", 0, NOW)).toEqual([
      { sensor: "tank-north-level", device: "water-main", unit: "L", hourMs: hour, min: 10, mean: 24, max: 40, count: 5, estimates: 1 },
    ]);
    // A season's chart sees both: the folded hour and the raw reading, bucketed alike.
    const every = 10 * DAY;
    expect(await store.summary({ sensor: "tank-north-level", fromMs: NOW - 90 * DAY, toMs: NOW, everyMs: every })).toEqual([
      { ts: Math.floor(hour / every) * every, min: 10, mean: 24, max: 40, count: 5, estimates: 1 },
      { ts: Math.floor((NOW - DAY) / every) * every, min: 7, mean: 7, max: 7, count: 1, estimates: 0 },
    ]);
    // The raw reading and its hour in one bucket: a mean weighted by count.
    await store.write([{ device: "water-main", seq: 8, sensor: "tank-north-level", value: 55, unit: "L", quality: "good", ts: hour + 3_600_000, clock: "synced" }]);
    expect(await store.summary({ sensor: "tank-north-level", fromMs: hour, toMs: hour + 2 * 3_600_000, everyMs: DAY })).toEqual([
      { ts: Math.floor(hour / DAY) * DAY, min: 10, mean: 175 / 6, max: 55, count: 6, estimates: 1 },
    ]);
    await store.stop();
    dir.remove();
  });
});
