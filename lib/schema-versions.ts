// A SQLite file's schema version (its user_version): each version this software knows is one step
// from the version before, applied in one transaction together with its number, so an upgrade
// interrupted by a power cut leaves the file at the last whole step. A file written by a newer
// version is refused, naming it: read by older code, its rows could be misread or lost.
import type Database from "better-sqlite3";

export interface SchemaStep {
  version: number;
  /** What the step changes, for the log and for an error naming the step that failed. */
  what: string;
  apply(db: Database.Database): void;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Brings `db` (the file `file`) to the last step's version; returns the version it found and the one it left. */
export function upgradeSchema(db: Database.Database, file: string, steps: readonly SchemaStep[]): { from: number; to: number } {
  steps.forEach((s, i) => {
    if (s.version !== i + 1) throw new Error(`schema steps must be numbered 1, 2, 3 ...: step ${i + 1} is ${s.version}`);
  });
  const from = schemaVersion(db);
  const known = steps.length;
  if (from > known) {
    throw new Error(`${file}: written by a newer version of Commons Sense (schema version ${from}; this version knows up to ${known}). Run the newer version again, or restore a backup taken with this one`);
  }
  for (const step of steps.slice(from)) {
    try {
      db.transaction(() => {
        step.apply(db);
        db.pragma(`user_version = ${step.version}`);
      })();
    } catch (err) {
      throw new Error(`${file}: upgrading to schema version ${step.version} (${step.what}) failed, the file is left at version ${schemaVersion(db)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { from, to: known };
}

/** For steps that bring files from before versions were kept, recognised by their shape. */
export function hasTable(db: Database.Database, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

export function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?").get(table, column) !== undefined;
}
