// Files written by earlier versions of the embedded store, moved into the current layout
// (embedded-schema.ts) once, as schema steps (lib/schema-versions.ts) when such a file is opened. A
// step that fails changes nothing and stops the start naming the file.
import { hasColumn, hasTable, type SchemaStep } from "../../lib/schema-versions.ts";
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

/**
 * The embedded store's schema versions (lib/schema-versions.ts), after SCHEMA (which creates what
 * is missing and leaves existing tables as they are). Version 1: files from before versions were
 * kept, each layout recognised by its shape and brought to the current one; a new file has
 * nothing to move. A change to the layout is a new step here, never an edit of an old one.
 */
export const EMBEDDED_STORE_STEPS: readonly SchemaStep[] = [
  {
    version: 1,
    what: "earlier layouts brought to the coded, series-keyed samples with estimates counted",
    apply(db) {
      // Coded, but keyed by (device, seq) with a (series, ts) index: rebuilt keyed by (series, ts, seq).
      if (hasColumn(db, "samples", "device")) db.exec(REKEY_SAMPLES);
      // Before dictionary coding: the string rows go into the current tables.
      if (hasTable(db, "readings")) db.exec(MOVE_STRING_ROWS);
      // Hourly rows from before estimates were kept: all of them were folded from good readings.
      if (!hasColumn(db, "readings_hourly", "estimates")) db.exec("ALTER TABLE readings_hourly ADD COLUMN estimates INTEGER NOT NULL DEFAULT 0;");
    },
  },
];
