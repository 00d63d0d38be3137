// A copy of a data directory taken while the process that owns it keeps running. SQLite files are
// copied with VACUUM INTO, which reads one consistent snapshot (a WAL reader does not stop the
// writer), so the copy holds whole transactions only; copying the file and its -wal by hand could
// catch a commit half-written. Other files (keys, identities, Node-RED's flows) are copied with
// their modes, so a secret stays 0600. The copy goes to `<to>.partial` and is renamed when every
// file is on disk: a folder named as the backup is always a whole one.
import Database from "better-sqlite3";
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, chmodSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { schemaVersion } from "./schema-versions.ts";

export const MANIFEST = "BACKUP.json";

export interface BackupManifest {
  takenAt: string;
  /** The version of Commons Sense that took it. */
  version: string;
  from: string;
  files: { path: string; bytes: number; schemaVersion?: number }[];
}

/** SQLite's own files beside a database (rebuilt from the database when it opens), and packages Node-RED reinstalls. */
const NOT_COPIED = /(-wal|-shm|-journal)$/;
const NOT_ENTERED = new Set(["node_modules"]);

function isSqlite(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString("latin1") === "SQLite format 3\0";
  } finally {
    closeSync(fd);
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function backupDataDir(from: string, to: string, options: { version: string; onFile?: (file: BackupManifest["files"][number], ms: number) => void }): BackupManifest {
  if (!existsSync(from) || !statSync(from).isDirectory()) throw new Error(`${from}: no such data directory`);
  if ((resolve(to) + sep).startsWith(resolve(from) + sep)) throw new Error(`${to}: is inside the data directory ${from}; a backup goes elsewhere`);
  if (existsSync(to) && readdirSync(to).length > 0) throw new Error(`${to}: exists and is not empty; a backup goes into a new folder`);
  const partial = `${to}.partial`;
  rmSync(partial, { recursive: true, force: true }); // an earlier attempt cut short
  const manifest: BackupManifest = { takenAt: new Date().toISOString(), version: options.version, from, files: [] };
  const copyDir = (dir: string) => {
    const target = join(partial, relative(from, dir));
    mkdirSync(target, { recursive: true, mode: statSync(dir).mode & 0o777 });
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const source = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!NOT_ENTERED.has(entry.name)) copyDir(source);
        continue;
      }
      if (!entry.isFile() || NOT_COPIED.test(entry.name)) continue;
      const started = performance.now();
      const dest = join(target, entry.name);
      const file: BackupManifest["files"][number] = { path: relative(from, source), bytes: 0 };
      if (isSqlite(source)) {
        const db = new Database(source, { readonly: true, fileMustExist: true });
        try {
          file.schemaVersion = schemaVersion(db);
          db.prepare("VACUUM INTO ?").run(dest);
        } catch (err) {
          throw new Error(`${source}: could not be copied: ${(err as Error).message}`);
        } finally {
          db.close();
        }
      } else {
        copyFileSync(source, dest);
      }
      chmodSync(dest, statSync(source).mode & 0o777); // SQLite creates its copy with the umask
      fsyncPath(dest);
      file.bytes = statSync(dest).size;
      manifest.files.push(file);
      options.onFile?.(file, performance.now() - started);
    }
    fsyncPath(target);
  };
  copyDir(from);
  writeFileSync(join(partial, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  fsyncPath(join(partial, MANIFEST));
  if (existsSync(to)) rmSync(to, { recursive: true }); // empty, checked above
  renameSync(partial, to);
  fsyncPath(dirname(to));
  return manifest;
}
