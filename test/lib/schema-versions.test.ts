// Versioned schema upgrades of the SQLite files (lib/schema-versions.ts), and every data file
// that uses them refusing a file written by a newer version, naming it, leaving it as it was.
import Database from "better-sqlite3";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { schemaVersion, upgradeSchema, type SchemaStep } from "../../lib/schema-versions.ts";
import { EmbeddedStore } from "../../gateway/store/embedded-store.ts";
import { TriggerState } from "../../gateway/triggers/trigger-state.ts";
import { Journal } from "../../edge/journal/journal.ts";
import type { Clock } from "../../edge/journal/clock.ts";
import { isCsError } from "../../protocol/errors.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const steps: SchemaStep[] = [
  { version: 1, what: "a table of counts", apply: (db) => db.exec("CREATE TABLE counts (staple TEXT PRIMARY KEY, kg REAL)") },
  { version: 2, what: "counts say who counted (a circle)", apply: (db) => db.exec("ALTER TABLE counts ADD COLUMN circle TEXT") },
];

describe("schema versions", () => {
  it("brings a file step by step to the newest version, each step with its number, and a newer one to nothing", () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, "a.db");
      const db = new Database(file);
      expect(upgradeSchema(db, file, steps.slice(0, 1))).toEqual({ from: 0, to: 1 });
      db.prepare("INSERT INTO counts VALUES ('grain', 120)").run();
      expect(upgradeSchema(db, file, steps)).toEqual({ from: 1, to: 2 });
      expect(schemaVersion(db)).toBe(2);
      expect(db.prepare("SELECT * FROM counts").all()).toEqual([{ staple: "grain", kg: 120, circle: null }]);
      expect(upgradeSchema(db, file, steps)).toEqual({ from: 2, to: 2 });
      db.close();
    } finally {
      dir.remove();
    }
  });

  it("leaves a file whose step fails at the last whole step, naming the file and the step", () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, "a.db");
      const db = new Database(file);
      const failing: SchemaStep = { version: 2, what: "a half-done change", apply: (d) => {
        d.exec("ALTER TABLE counts ADD COLUMN circle TEXT");
        throw new Error("disk pulled out");
      } };
      expect(() => upgradeSchema(db, file, [steps[0], failing])).toThrow(`${file}: upgrading to schema version 2 (a half-done change) failed, the file is left at version 1: disk pulled out`);
      expect(schemaVersion(db)).toBe(1);
      expect(db.prepare("SELECT name FROM pragma_table_info('counts')").pluck().all()).toEqual(["staple", "kg"]);
      db.close();
    } finally {
      dir.remove();
    }
  });

  it("refuses a file written by a newer version, naming it, and changes nothing in it", () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, "a.db");
      const db = new Database(file);
      upgradeSchema(db, file, steps);
      db.pragma("user_version = 5");
      expect(() => upgradeSchema(db, file, steps)).toThrow(`${file}: written by a newer version of Commons Sense (schema version 5; this version knows up to 2)`);
      expect(schemaVersion(db)).toBe(5);
      db.close();
    } finally {
      dir.remove();
    }
  });
});

describe("data files from a newer version", () => {
  /** A copy of a file with its schema version set past what this version knows. */
  const fromTheFuture = (file: string) => {
    const db = new Database(file);
    db.pragma("user_version = 99");
    db.close();
  };
  const refusal = (fn: () => unknown, file: string) => {
    try {
      fn();
    } catch (err) {
      expect(isCsError(err, "CS_ERR_SCHEMA_VERSION")).toBe(true);
      expect((err as Error).message).toContain(`${file}: written by a newer version of Commons Sense (schema version 99`);
      return;
    }
    throw new Error(`${file} from a newer version was opened`);
  };

  it("the gateway's embedded store and trigger state, and the edge's journal, refuse one and keep its rows", async () => {
    const dir = tempDir();
    try {
      // Each file as this version writes it, then marked as written by a newer one.
      const store = new EmbeddedStore({ dataDir: dir.path });
      await store.start();
      await store.write([{ device: "water-main", seq: 1, sensor: "tank-north-level", ts: Date.UTC(2026, 11, 7), value: 5000, unit: "L", quality: "good", clock: "synced" }]);
      await store.stop();
      const state = new TriggerState(dir.path);
      state.open();
      state.close();
      mkdirSync(join(dir.path, "edge"));
      const journalFile = join(dir.path, "edge", "journal.db");
      const clock: Clock = { now: () => Date.UTC(2026, 11, 7), monotonicMs: () => performance.now() };
      const journal = new Journal({ path: journalFile, clock, firstSeq: 1 });
      journal.open();
      journal.close();
      for (const f of ["readings.db", "triggers.db", "edge/journal.db"]) fromTheFuture(join(dir.path, f));
      copyFileSync(join(dir.path, "readings.db"), join(dir.path, "readings-copy.db"));

      await expect(new EmbeddedStore({ dataDir: dir.path }).start()).rejects.toThrow(`${join(dir.path, "readings.db")}: written by a newer version`);
      refusal(() => new TriggerState(dir.path).open(), join(dir.path, "triggers.db"));
      refusal(() => new Journal({ path: journalFile, clock }).open(), journalFile);

      const kept = new Database(join(dir.path, "readings.db"), { readonly: true });
      expect(schemaVersion(kept)).toBe(99);
      expect(kept.prepare("SELECT count(*) FROM samples").pluck().get()).toBe(1);
      kept.close();
    } finally {
      dir.remove();
    }
  });
});
