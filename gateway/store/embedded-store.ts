// The embedded default store: SQLite in WAL mode in the data directory, written by its own thread
// (sqlite-writer-thread.js) and read here. Raw readings are kept for
// rawRetentionDays, then folded into hourly min/mean/max rows kept for hourlyRetentionDays, so a
// year of a village fits on an SD card (see README: storage sizing).
import Database from "better-sqlite3";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { ReadingQuery, Store, StoreHealth, StoredReading } from "./store.ts";

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** Raw readings older than this are downsampled to hourly rows. */
  rawRetentionDays?: number;
  /** Hourly rows older than this are deleted. */
  hourlyRetentionDays?: number;
  /** How often retention runs. */
  compactEveryMs?: number;
  now?: () => number;
}

export interface HourlyRow {
  sensor: string;
  device: string;
  unit: string;
  hourMs: number;
  min: number;
  mean: number;
  max: number;
  count: number;
}

const DAY_MS = 86_400_000;
/** Values per reading sent to the writer thread, in its INSERT's column order. */
const COLUMNS = 9;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS readings (
  device TEXT NOT NULL, seq INTEGER NOT NULL, sensor TEXT NOT NULL, ts INTEGER NOT NULL, value REAL,
  unit TEXT NOT NULL, quality TEXT NOT NULL, clock TEXT NOT NULL, warning TEXT,
  PRIMARY KEY (device, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS readings_by_sensor ON readings (sensor, ts);
CREATE TABLE IF NOT EXISTS readings_hourly (
  sensor TEXT NOT NULL, hour_ms INTEGER NOT NULL, device TEXT NOT NULL, unit TEXT NOT NULL,
  min REAL NOT NULL, mean REAL NOT NULL, max REAL NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (sensor, hour_ms)
) WITHOUT ROWID;
`;

type Row = Omit<StoredReading, "warning"> & { warning: string | null };

export class EmbeddedStore implements Store {
  readonly kind = "embedded" as const;
  private readonly o: Required<EmbeddedStoreOptions>;
  /** Reads run here; WAL lets them proceed while the writer thread commits. */
  private db: Database.Database | undefined;
  private writer: Worker | undefined;
  private writerError: string | undefined;
  private readonly replies = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: EmbeddedStoreOptions) {
    this.o = { rawRetentionDays: 90, hourlyRetentionDays: 5 * 365, compactEveryMs: 3_600_000, now: Date.now, ...options };
  }

  get path(): string {
    return join(this.o.dataDir, "readings.db");
  }

  async start(): Promise<void> {
    mkdirSync(this.o.dataDir, { recursive: true });
    const db = new Database(this.path);
    // A commit writes its changed pages (a readings leaf and an index leaf) to the WAL and the fsync
    // writes whole 4 KiB blocks: 1 KiB pages halve the SD card writes of a village's small batches.
    // Takes effect on new files only.
    db.pragma("page_size = 1024");
    db.pragma("journal_mode = WAL");
    db.exec(SCHEMA);
    this.db = db;
    this.writerError = undefined;
    const writer = new Worker(new URL("./sqlite-writer-thread.js", import.meta.url), { workerData: { path: this.path } });
    writer.on("message", (m: { id: number; ok: boolean; error?: string }) => {
      const reply = this.replies.get(m.id);
      this.replies.delete(m.id);
      if (m.ok) reply?.resolve();
      else reply?.reject(new Error(`embedded store ${this.path}: ${m.error}`));
    });
    writer.on("error", (err) => this.writerFailed(err.message));
    writer.on("exit", (code) => this.writerFailed(`writer thread exited with code ${code}`));
    this.writer = writer;
    await this.compact();
    this.timer = setInterval(() => void this.compact().catch(() => undefined), this.o.compactEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const writer = this.writer;
    if (writer) {
      await this.send({ op: "close" }).catch(() => undefined);
      this.writer = undefined;
      await writer.terminate();
    }
    this.db?.close();
    this.db = undefined;
  }

  async write(readings: readonly StoredReading[]): Promise<void> {
    // One flat array of column values, not an array of objects: structured clone writes every
    // object's keys again, and the writer thread took longer to read the copy than to insert it.
    const values: Array<string | number | null> = new Array(readings.length * COLUMNS);
    let k = 0;
    for (const r of readings) {
      values[k++] = r.device;
      values[k++] = r.seq;
      values[k++] = r.sensor;
      values[k++] = r.ts;
      values[k++] = r.value;
      values[k++] = r.unit;
      values[k++] = r.quality;
      values[k++] = r.clock;
      values[k++] = r.warning ?? null;
    }
    await this.send({ op: "write", values });
  }

  async latest(): Promise<StoredReading[]> {
    const rows = this.open()
      .prepare(
        `SELECT r.* FROM readings r JOIN (SELECT sensor, max(ts) AS ts FROM readings GROUP BY sensor) m
         ON r.sensor = m.sensor AND r.ts = m.ts ORDER BY r.sensor, r.seq DESC`,
      )
      .all() as Row[];
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.sensor) && seen.add(r.sensor)).map(fromRow);
  }

  async query(q: ReadingQuery): Promise<StoredReading[]> {
    const rows = this.open()
      .prepare("SELECT * FROM readings WHERE sensor = ? AND ts BETWEEN ? AND ? ORDER BY ts, seq LIMIT ?")
      .all(q.sensor, q.fromMs, q.toMs, q.limit ?? 10_000) as Row[];
    return rows.map(fromRow);
  }

  async sequences(device: string): Promise<number[]> {
    const rows = this.open().prepare("SELECT seq FROM readings WHERE device = ? ORDER BY seq").all(device) as { seq: number }[];
    return rows.map((r) => r.seq);
  }

  /** Downsampled history of one sensor, for charts beyond the raw retention. */
  hourly(sensor: string, fromMs: number, toMs: number): HourlyRow[] {
    return this.open()
      .prepare(
        "SELECT sensor, device, unit, hour_ms AS hourMs, min, mean, max, count FROM readings_hourly WHERE sensor = ? AND hour_ms BETWEEN ? AND ? ORDER BY hour_ms",
      )
      .all(sensor, fromMs, toMs) as HourlyRow[];
  }

  /** Folds raw readings past retention into hourly rows, then drops expired hourly rows. */
  async compact(): Promise<void> {
    const now = this.o.now();
    await this.send({
      op: "compact",
      rawCutoff: now - this.o.rawRetentionDays * DAY_MS,
      hourlyCutoff: now - this.o.hourlyRetentionDays * DAY_MS,
    });
  }

  health(): StoreHealth {
    if (this.writerError) return { state: "down", detail: this.writerError };
    return this.db ? { state: "up" } : { state: "down", detail: "not started" };
  }

  private send(message: { op: "write"; values: ReadonlyArray<string | number | null> } | { op: "compact"; rawCutoff: number; hourlyCutoff: number } | { op: "close" }): Promise<void> {
    const writer = this.writer;
    if (!writer) return Promise.reject(new Error(this.writerError ?? "embedded store is not started"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      writer.postMessage({ id, ...message });
    });
  }

  /** A dead writer thread fails what waits on it; ingest then stops acknowledging. */
  private writerFailed(reason: string): void {
    if (!this.writer) return; // stopped on purpose
    this.writerError = reason;
    this.writer = undefined;
    for (const reply of this.replies.values()) reply.reject(new Error(`embedded store ${this.path}: ${reason}`));
    this.replies.clear();
  }

  private open(): Database.Database {
    if (!this.db) throw new Error("embedded store is not started");
    return this.db;
  }
}

function fromRow(row: Row): StoredReading {
  const { warning, ...rest } = row;
  return warning ? { ...rest, warning } : rest;
}
