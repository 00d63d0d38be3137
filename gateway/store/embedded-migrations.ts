// Files written by earlier versions of the embedded store, moved into the current layout
// (embedded-schema.ts) once, each move in one transaction, when such a file is opened. A move that
// fails changes nothing and stops the start naming the file.
import type Database from "better-sqlite3";
import { CLOCK_CODES, QUALITY_CODES, SAMPLES_TABLE } from "./embedded-schema.ts";

/** Before dictionary coding: one `readings` table of strings. */
const MOVE_STRING_ROWS = `
INSERT OR IGNORE INTO devices (device) SELECT DISTINCT device FROM readings;
INSERT OR IGNORE INTO series (device, sensor, unit)
  SELECT DISTINCT d.id, r.sensor, r.unit FROM readings r JOIN devices d ON d.device = r.device;
INSERT OR IGNORE INTO samples (series, ts, seq, value, quality, clock, warning)
  SELECT s.id, r.ts, r.seq, r.value,
    ${"CASE r.quality " + QUALITY_CODES.map((q, i) => `WHEN '${q}' THEN ${i}`).join(" ") + " END"},
    ${"CASE r.clock " + CLOCK_CODES.map((c, i) => `WHEN '${c}' THEN ${i}`).join(" ") + " END"},
    r.warning
  FROM readings r JOIN devices d ON d.device = r.device JOIN series s ON s.device = d.id AND s.sensor = r.sensor AND s.unit = r.unit;
DROP TABLE readings;
`;

/** Coded, but keyed by (device, seq) with a (series, ts) index: rebuilt keyed by (series, ts, seq). */
const REKEY_SAMPLES = `
${SAMPLES_TABLE("samples_rekeyed")}
INSERT OR IGNORE INTO samples_rekeyed (series, ts, seq, value, quality, clock, warning)
  SELECT series, ts, seq, value, quality, clock, warning FROM samples;
DROP TABLE samples;
ALTER TABLE samples_rekeyed RENAME TO samples;
`;

/** After SCHEMA, which leaves an existing samples table as it is. */
export function rekeyDeviceKeyedSamples(db: Database.Database, path: string): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('samples')").pluck().all() as string[];
  if (!columns.includes("device")) return;
  move(db, path, "re-keying the samples by series and time", REKEY_SAMPLES);
}

/** After SCHEMA and the re-keying: the string rows go into the current tables. */
export function moveStringRows(db: Database.Database, path: string): void {
  if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'readings'").get()) return;
  move(db, path, "moving readings into the coded tables", MOVE_STRING_ROWS);
}

/** Hourly rows from before estimates were kept: all of them were folded from good readings. */
export function countHourlyEstimates(db: Database.Database, path: string): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('readings_hourly')").pluck().all() as string[];
  if (columns.includes("estimates")) return;
  move(db, path, "counting estimates in the hourly rows", "ALTER TABLE readings_hourly ADD COLUMN estimates INTEGER NOT NULL DEFAULT 0;");
}

function move(db: Database.Database, path: string, what: string, sql: string): void {
  try {
    db.transaction(() => db.exec(sql))();
  } catch (err) {
    throw new Error(`embedded store ${path}: ${what} failed, nothing changed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
