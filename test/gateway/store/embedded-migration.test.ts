import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../../gateway/store/embedded-store.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

/** A readings.db as the store wrote it before dictionary coding: one table of strings. */
function writeStringRowsFile(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "readings.db"));
  db.pragma("journal_mode = WAL");
  db.exec(`CREATE TABLE readings (
    device TEXT NOT NULL, seq INTEGER NOT NULL, sensor TEXT NOT NULL, ts INTEGER NOT NULL, value REAL,
    unit TEXT NOT NULL, quality TEXT NOT NULL, clock TEXT NOT NULL, warning TEXT, PRIMARY KEY (device, seq)) WITHOUT ROWID;
    CREATE INDEX readings_by_sensor ON readings (sensor, ts);`);
  const insert = db.prepare("INSERT INTO readings VALUES (?,?,?,?,?,?,?,?,?)");
  insert.run("water-main", 1, "tank-north-level", T0, 5000, "L", "good", "synced", null);
  insert.run("water-main", 2, "tank-north-level", T0 + 1000, null, "L", "invalid", "estimated", "echo lost");
  insert.run("water-main", 3, "cistern-level", T0 + 2000, 20000, "L", "good", "corrected", null);
  insert.run("power-main", 7, "battery-voltage", T0 + 500, 51.2, "V", "good", "synced", null);
  db.close();
}

/** What both old files hold, as a caller must see it after the move. */
async function expectTheFourReadings(store: EmbeddedStore): Promise<void> {
  expect(await store.sequences("water-main")).toEqual([1, 2, 3]);
  expect(await store.sequences("power-main")).toEqual([7]);
  expect(await store.query({ sensor: "tank-north-level", fromMs: T0, toMs: T0 + 1000 })).toEqual([
    { device: "water-main", seq: 1, sensor: "tank-north-level", ts: T0, value: 5000, unit: "L", quality: "good", clock: "synced" },
    { device: "water-main", seq: 2, sensor: "tank-north-level", ts: T0 + 1000, value: null, unit: "L", quality: "invalid", clock: "estimated", warning: "echo lost" },
  ]);
  const latest = Object.fromEntries((await store.latest()).map((r) => [r.sensor, r]));
  expect(latest["cistern-level"]).toMatchObject({ seq: 3, clock: "corrected", value: 20000 });
  expect(latest["battery-voltage"]).toMatchObject({ device: "power-main", seq: 7, unit: "V", value: 51.2 });
}

describe("embedded store file from before dictionary coding", () => {
  it("moves every string row into the coded tables on open, decoded unchanged", async () => {
    const dir = tempDir();
    writeStringRowsFile(dir.path);
    const store = new EmbeddedStore({ dataDir: dir.path });
    await store.start();
    await expectTheFourReadings(store);
    // A resent reading leaves one row across the move.
    await store.write([{ device: "water-main", seq: 3, sensor: "cistern-level", ts: T0 + 2000, value: 1, unit: "L", quality: "good", clock: "synced" }]);
    expect(await store.sequences("water-main")).toEqual([1, 2, 3]);
    await store.stop();

    const db = new Database(join(dir.path, "readings.db"), { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'readings'").get()).toBeUndefined();
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    dir.remove();
  });
});

/** A readings.db as the store wrote it before samples were keyed by series and time: (device, seq) and an index. */
function writeDeviceKeyedFile(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "readings.db"));
  db.pragma("page_size = 1024");
  db.pragma("journal_mode = WAL");
  db.exec(`CREATE TABLE devices (id INTEGER PRIMARY KEY, device TEXT NOT NULL UNIQUE);
    CREATE TABLE series (id INTEGER PRIMARY KEY, device INTEGER NOT NULL REFERENCES devices (id), sensor TEXT NOT NULL, unit TEXT NOT NULL, UNIQUE (device, sensor, unit));
    CREATE INDEX series_by_sensor ON series (sensor);
    CREATE TABLE samples (device INTEGER NOT NULL, seq INTEGER NOT NULL, series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL,
      quality INTEGER NOT NULL, clock INTEGER NOT NULL, warning TEXT, PRIMARY KEY (device, seq)) WITHOUT ROWID;
    CREATE INDEX samples_by_series ON samples (series, ts);
    CREATE TABLE readings_hourly (sensor TEXT NOT NULL, hour_ms INTEGER NOT NULL, device TEXT NOT NULL, unit TEXT NOT NULL,
      min REAL NOT NULL, mean REAL NOT NULL, max REAL NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (sensor, hour_ms)) WITHOUT ROWID;
    INSERT INTO devices VALUES (1, 'water-main'), (2, 'power-main');
    INSERT INTO series VALUES (1, 1, 'tank-north-level', 'L'), (2, 1, 'cistern-level', 'L'), (3, 2, 'battery-voltage', 'V');
    INSERT INTO readings_hourly VALUES ('cistern-level', ${T0 - 100 * 3_600_000}, 'water-main', 'L', 20100, 20150, 20200, 6);`);
  const insert = db.prepare("INSERT INTO samples VALUES (?,?,?,?,?,?,?,?)");
  insert.run(1, 1, 1, T0, 5000, 0, 0, null);
  insert.run(1, 2, 1, T0 + 1000, null, 1, 2, "echo lost");
  insert.run(1, 3, 2, T0 + 2000, 20000, 0, 1, null);
  insert.run(2, 7, 3, T0 + 500, 51.2, 0, 0, null);
  db.close();
}

describe("embedded store file from before samples were keyed by series and time", () => {
  it("re-keys every sample on open, decoded unchanged, and keeps one copy of a resent reading", async () => {
    const dir = tempDir();
    writeDeviceKeyedFile(dir.path);
    const store = new EmbeddedStore({ dataDir: dir.path });
    await store.start();
    await expectTheFourReadings(store);
    await store.write([
      { device: "water-main", seq: 3, sensor: "cistern-level", ts: T0 + 2000, value: 20000, unit: "L", quality: "good", clock: "corrected" },
      { device: "water-main", seq: 4, sensor: "cistern-level", ts: T0 + 3000, value: 19990, unit: "L", quality: "good", clock: "synced" },
    ]);
    expect(await store.sequences("water-main")).toEqual([1, 2, 3, 4]);
    // Hourly rows from before estimates were counted were folded from good readings only.
    expect(store.hourly("cistern-level", 0, T0)).toEqual([
      { sensor: "cistern-level", device: "water-main", unit: "L", hourMs: T0 - 100 * 3_600_000, min: 20100, mean: 20150, max: 20200, count: 6, estimates: 0 },
    ]);
    await store.stop();

    const db = new Database(join(dir.path, "readings.db"), { readonly: true });
    const columns = db.prepare("SELECT name FROM pragma_table_info('samples')").pluck().all();
    expect(columns).toEqual(["series", "ts", "seq", "value", "quality", "clock", "warning"]);
    expect(db.prepare("SELECT name FROM pragma_table_info('readings_hourly')").pluck().all()).toContain("estimates");
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'samples_by_series'").get()).toBeUndefined();
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    dir.remove();
  });
});
