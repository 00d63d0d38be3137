// The embedded default store: SQLite in WAL mode in the data directory. Raw readings are kept for
// rawRetentionDays, then folded into hourly min/mean/max rows kept for hourlyRetentionDays, so a
// year of a village fits on an SD card (see README: storage sizing).
import Database from "better-sqlite3";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
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
  private db: Database.Database | undefined;
  private timer: NodeJS.Timeout | undefined;
  private insert!: Database.Statement;

  constructor(options: EmbeddedStoreOptions) {
    this.o = { rawRetentionDays: 90, hourlyRetentionDays: 5 * 365, compactEveryMs: 3_600_000, now: Date.now, ...options };
  }

  get path(): string {
    return join(this.o.dataDir, "readings.db");
  }

  async start(): Promise<void> {
    mkdirSync(this.o.dataDir, { recursive: true });
    const db = new Database(this.path);
    db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode survives process crashes; the gateway is not the only copy until it acks,
    // and it acks only after commit, so FULL buys nothing here but SD card wear.
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    this.insert = db.prepare(
      "INSERT OR IGNORE INTO readings (device, seq, sensor, ts, value, unit, quality, clock, warning) VALUES (?,?,?,?,?,?,?,?,?)",
    );
    this.db = db;
    this.compact();
    this.timer = setInterval(() => this.compact(), this.o.compactEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.db?.close();
    this.db = undefined;
  }

  async write(readings: readonly StoredReading[]): Promise<void> {
    const db = this.open();
    db.transaction(() => {
      for (const r of readings) {
        this.insert.run(r.device, r.seq, r.sensor, r.ts, r.value, r.unit, r.quality, r.clock, r.warning ?? null);
      }
    })();
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
  compact(): void {
    const db = this.open();
    const now = this.o.now();
    const rawCutoff = now - this.o.rawRetentionDays * DAY_MS;
    const hourlyCutoff = now - this.o.hourlyRetentionDays * DAY_MS;
    db.transaction(() => {
      db.prepare(
        `INSERT INTO readings_hourly (sensor, hour_ms, device, unit, min, mean, max, count)
         SELECT sensor, (ts / 3600000) * 3600000 AS h, device, unit, min(value), avg(value), max(value), count(value)
         FROM readings WHERE ts < ? AND quality = 'good' GROUP BY sensor, h
         ON CONFLICT (sensor, hour_ms) DO UPDATE SET
           min = min(readings_hourly.min, excluded.min), max = max(readings_hourly.max, excluded.max),
           mean = (readings_hourly.mean * readings_hourly.count + excluded.mean * excluded.count) / (readings_hourly.count + excluded.count),
           count = readings_hourly.count + excluded.count`,
      ).run(rawCutoff);
      db.prepare("DELETE FROM readings WHERE ts < ?").run(rawCutoff);
      db.prepare("DELETE FROM readings_hourly WHERE hour_ms < ?").run(hourlyCutoff);
    })();
  }

  health(): StoreHealth {
    return this.db ? { state: "up" } : { state: "down", detail: "not started" };
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
