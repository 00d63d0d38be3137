// The embedded default store: SQLite in WAL mode in the data directory, written by its own thread
// (sqlite-writer-thread.js) and read here. Raw readings are kept for
// rawRetentionDays, then folded into hourly min/mean/max rows kept for hourlyRetentionDays, so a
// year of a village fits on an SD card (see docs/deployment.md: storage sizing).
//
// The tables are in embedded-schema.ts, the moves of files from earlier versions in
// embedded-migrations.ts.
import Database from "better-sqlite3";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { ReadingQuery, Store, StoreHealth, StoredReading, SummaryBucket, SummaryQuery } from "./store.ts";
import { CLOCK_CODES, QUALITY_CODES, SCHEMA } from "./embedded-schema.ts";
import { EMBEDDED_STORE_STEPS } from "./embedded-migrations.ts";
import { upgradeSchema } from "../../lib/schema-versions.ts";
import { CsError } from "../../protocol/errors.ts";

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
  /** How many of `count` were estimates. */
  estimates: number;
}

const DAY_MS = 86_400_000;
/** Numbers per reading sent to the writer thread (see EmbeddedStore.write); it is told this at start. */
const COLUMNS = 6;

const qualityCode = Object.fromEntries(QUALITY_CODES.map((q, i) => [q, i])) as Record<StoredReading["quality"], number>;
const clockCode = Object.fromEntries(CLOCK_CODES.map((c, i) => [c, i])) as Record<StoredReading["clock"], number>;

/** A sample (x) decoded back to the strings a caller sees, through its series (s) and device (d). */
const DECODED_COLUMNS = "d.device, s.sensor, s.unit, x.seq, x.ts, x.value, x.quality, x.clock, x.warning";
const DECODED = `SELECT ${DECODED_COLUMNS} FROM samples x JOIN series s ON s.id = x.series JOIN devices d ON d.id = s.device`;

type Row = Omit<StoredReading, "warning" | "quality" | "clock"> & { quality: number; clock: number; warning: string | null };

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
    // A commit writes its changed pages (a samples leaf and its parents) to the WAL and the fsync
    // writes whole 4 KiB blocks: 1 KiB pages halve the SD card writes of a village's small batches.
    // Takes effect on new files only.
    db.pragma("page_size = 1024");
    db.pragma("journal_mode = WAL");
    db.exec(SCHEMA);
    try {
      upgradeSchema(db, this.path, EMBEDDED_STORE_STEPS);
    } catch (err) {
      db.close();
      throw new CsError("CS_ERR_SCHEMA_VERSION", `embedded store ${(err as Error).message}`);
    }
    this.db = db;
    this.writerError = undefined;
    const writer = new Worker(new URL("./sqlite-writer-thread.js", import.meta.url), { workerData: { path: this.path, columns: COLUMNS, good: qualityCode.good, estimate: qualityCode.estimate } });
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
    // Numbers in one transferred Float64Array, not objects: structured clone would copy every
    // object and its keys, and the writer thread took longer to read the copy than to insert it.
    // Each distinct (device, sensor, unit) goes once, in `series`; a reading refers to it by its
    // index there. A null value travels as NaN (JSON cannot carry a NaN, so none is real).
    // device -> sensor -> unit -> index: three lookups of strings whose hashes V8 keeps, cheaper
    // than building and hashing one joined key per reading.
    const index = new Map<string, Map<string, Map<string, number>>>();
    const series: string[] = [];
    let seriesCount = 0;
    const values = new Float64Array(readings.length * COLUMNS);
    const warnings: Array<number | string> = [];
    let k = 0;
    for (let n = 0; n < readings.length; n++) {
      const r = readings[n];
      let bySensor = index.get(r.device);
      if (!bySensor) index.set(r.device, (bySensor = new Map()));
      let byUnit = bySensor.get(r.sensor);
      if (!byUnit) bySensor.set(r.sensor, (byUnit = new Map()));
      let i = byUnit.get(r.unit);
      if (i === undefined) {
        byUnit.set(r.unit, (i = seriesCount++));
        series.push(r.device, r.sensor, r.unit);
      }
      values[k++] = i;
      values[k++] = r.seq;
      values[k++] = r.ts;
      values[k++] = r.value ?? NaN;
      values[k++] = qualityCode[r.quality];
      values[k++] = clockCode[r.clock];
      if (r.warning) warnings.push(n, r.warning);
    }
    await this.send({ op: "write", series, values, warnings }, [values.buffer]);
  }

  async latest(): Promise<StoredReading[]> {
    // The newest sample of each series, then of each sensor (a sensor may have had two units or
    // two devices); a tie in time goes to the higher sequence number.
    // CROSS JOIN keeps series outermost, so each lookup is one probe of the samples key.
    const rows = this.open()
      .prepare(
        `SELECT ${DECODED_COLUMNS}
         FROM series s CROSS JOIN samples x ON x.series = s.id AND x.ts = (SELECT max(ts) FROM samples WHERE series = s.id)
         JOIN devices d ON d.id = s.device ORDER BY s.sensor, x.ts DESC, x.seq DESC`,
      )
      .all() as Row[];
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.sensor) && seen.add(r.sensor)).map(fromRow);
  }

  async query(q: ReadingQuery): Promise<StoredReading[]> {
    const rows = this.open()
      .prepare(`${DECODED} WHERE x.series IN (SELECT id FROM series WHERE sensor = ?) AND x.ts BETWEEN ? AND ? ORDER BY x.ts, x.seq LIMIT ?`)
      .all(q.sensor, q.fromMs, q.toMs, q.limit ?? 10_000) as Row[];
    return rows.map(fromRow);
  }

  async summary(q: SummaryQuery): Promise<SummaryBucket[]> {
    // Raw good readings and estimates and the hourly rows folded from older ones, bucketed alike;
    // a mean of means is weighted by count. Integer division aligns buckets as InfluxDB does (a JS
    // number is bound as a REAL, hence the casts).
    return this.open()
      .prepare(
        `SELECT b AS ts, min(lo) AS min, sum(total) / sum(n) AS mean, max(hi) AS max, sum(n) AS count, sum(e) AS estimates FROM (
           SELECT (x.ts / CAST(@every AS INTEGER)) * CAST(@every AS INTEGER) AS b, min(x.value) AS lo, sum(x.value) AS total, max(x.value) AS hi, count(x.value) AS n,
             sum(x.quality = ${qualityCode.estimate}) AS e
           FROM samples x WHERE x.series IN (SELECT id FROM series WHERE sensor = @sensor) AND x.ts BETWEEN @from AND @to
             AND x.quality IN (${qualityCode.good}, ${qualityCode.estimate}) AND x.value IS NOT NULL
           GROUP BY b
           UNION ALL
           SELECT (hour_ms / CAST(@every AS INTEGER)) * CAST(@every AS INTEGER), min, mean * count, max, count, estimates
           FROM readings_hourly WHERE sensor = @sensor AND hour_ms BETWEEN @from AND @to
         ) GROUP BY b HAVING sum(n) > 0 ORDER BY b`,
      )
      .all({ sensor: q.sensor, from: Math.floor(q.fromMs), to: Math.floor(q.toMs), every: Math.floor(q.everyMs) }) as SummaryBucket[];
  }

  async sequences(device: string): Promise<number[]> {
    return storedSequences(this.open(), device);
  }

  /** Downsampled history of one sensor, for charts beyond the raw retention. */
  hourly(sensor: string, fromMs: number, toMs: number): HourlyRow[] {
    return this.open()
      .prepare(
        "SELECT sensor, device, unit, hour_ms AS hourMs, min, mean, max, count, estimates FROM readings_hourly WHERE sensor = ? AND hour_ms BETWEEN ? AND ? ORDER BY hour_ms",
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

  private send(message: { op: "write"; series: readonly string[]; values: Float64Array; warnings: ReadonlyArray<number | string> } | { op: "compact"; rawCutoff: number; hourlyCutoff: number } | { op: "close" }, transfer: ArrayBuffer[] = []): Promise<void> {
    const writer = this.writer;
    if (!writer) return Promise.reject(new Error(this.writerError ?? "embedded store is not started"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      writer.postMessage({ id, ...message }, transfer);
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

/** Every stored sequence number of a device, ascending, read from an open store file (also by the chaos run). */
export function storedSequences(db: Database.Database, device: string): number[] {
  return db
    .prepare("SELECT x.seq FROM samples x WHERE x.series IN (SELECT s.id FROM series s JOIN devices d ON d.id = s.device WHERE d.device = ?) ORDER BY x.seq")
    .pluck()
    .all(device) as number[];
}

function fromRow(row: Row): StoredReading {
  const { warning, quality, clock, ...rest } = row;
  const decoded = { ...rest, quality: QUALITY_CODES[quality], clock: CLOCK_CODES[clock] };
  return warning ? { ...decoded, warning } : decoded;
}
