// InfluxDB 1.x through the `influx` package, used when an InfluxDB URL is configured.
// Point identity in InfluxDB is (measurement, tag set, timestamp), and a second write with the same
// identity replaces the first. The timestamp is therefore written in nanoseconds as
// ts_ms * 1e6 + (seq mod 1e6): a resent reading lands on itself (idempotent by device and seq),
// and readings that share a millisecond (an earlier boot's "estimated" clock) do not collide.
import { InfluxDB, escape } from "influx";
// The package's own HTTP pool (typed in its lib/src/pool.d.ts, not re-exported from the index):
// writes send the lines line-protocol.ts builds through it, with the same keep-alive, timeout and errors.
import { Pool } from "influx/lib/src/pool.js";
import type { ReadingQuery, Store, StoreHealth, StoredReading, SummaryBucket, SummaryQuery } from "./store.ts";
import type { Reading } from "../../protocol/payloads.ts";
import { LineProtocol, MEASUREMENT } from "./line-protocol.ts";

export interface InfluxStoreOptions {
  url: string;
  database?: string;
  requestTimeoutMs?: number;
}

interface InfluxRow {
  time: { getNanoTime(): string };
  device: string;
  sensor: string;
  seq: number;
  value: number | null;
  unit: Reading["unit"];
  quality: Reading["quality"];
  clock: Reading["clock"];
  warning: string | null;
}

export class InfluxStore implements Store {
  readonly kind = "influxdb" as const;
  private readonly influx: InfluxDB;
  private readonly database: string;
  private state: StoreHealth = { state: "starting" };
  private databaseCreated = false;
  private readonly pool: Pool;
  private readonly auth: string | undefined;
  private readonly lines = new LineProtocol();

  constructor(options: InfluxStoreOptions) {
    const url = new URL(options.url);
    this.database = options.database ?? (url.pathname.replace(/^\//, "") || "commons_sense");
    const protocol = url.protocol === "https:" ? "https" : "http";
    const port = Number(url.port || 8086);
    const username = url.username ? decodeURIComponent(url.username) : undefined;
    const password = url.password ? decodeURIComponent(url.password) : undefined;
    // One attempt per call: the ingest decides when to retry (by not acknowledging).
    const pool = { maxRetries: 0, requestTimeout: options.requestTimeoutMs ?? 10_000 };
    this.influx = new InfluxDB({ host: url.hostname, port, protocol, username, password, database: this.database, pool });
    this.pool = new Pool(pool);
    this.pool.addHost(`${protocol}://${url.hostname}:${port}`);
    this.auth = username === undefined ? undefined : `${username}:${password ?? ""}`;
  }

  async start(): Promise<void> {
    await this.ensureDatabase();
  }

  /** InfluxDB may be down when the gateway starts: the database is created on the first write. */
  private async ensureDatabase(): Promise<void> {
    if (this.databaseCreated) return;
    await this.track(this.influx.createDatabase(this.database));
    this.databaseCreated = true;
  }

  async stop(): Promise<void> {
    this.state = { state: "down", detail: "stopped" };
  }

  async write(readings: readonly StoredReading[]): Promise<void> {
    if (readings.length === 0) return;
    await this.ensureDatabase();
    const body = this.lines.encode(readings);
    // The pool takes a Buffer as well as a string (it hands the body to Buffer.from and req.write),
    // though its types say string.
    const bytes = body as unknown as string;
    await this.track(this.pool.discard({ method: "POST", path: "/write", query: { db: this.database, precision: "n" }, body: bytes, auth: this.auth }));
  }

  async latest(): Promise<StoredReading[]> {
    const rows = await this.track(
      this.influx.query<InfluxRow>(`SELECT * FROM ${MEASUREMENT} GROUP BY "sensor" ORDER BY time DESC LIMIT 1`, { precision: "n" }),
    );
    return rows.map(fromRow);
  }

  async query(q: ReadingQuery): Promise<StoredReading[]> {
    const rows = await this.track(
      this.influx.query<InfluxRow>(
        `SELECT * FROM ${MEASUREMENT} WHERE "sensor" = ${escape.stringLit(q.sensor)} AND time >= ${Math.floor(q.fromMs)}ms AND time < ${Math.floor(q.toMs) + 1}ms ORDER BY time ASC LIMIT ${q.limit ?? 10_000}`,
        { precision: "n" },
      ),
    );
    return rows.map(fromRow);
  }

  async summary(q: SummaryQuery): Promise<SummaryBucket[]> {
    // Grouped by quality too: the good and the estimated part of a bucket come as two rows, merged here.
    const rows = await this.track(
      this.influx.query<{ time: { getTime(): number }; quality: string; min: number; mean: number; max: number; count: number }>(
        `SELECT min("value") AS "min", mean("value") AS "mean", max("value") AS "max", count("value") AS "count" FROM ${MEASUREMENT}
         WHERE "sensor" = ${escape.stringLit(q.sensor)} AND ("quality" = 'good' OR "quality" = 'estimate') AND time >= ${Math.floor(q.fromMs)}ms AND time < ${Math.floor(q.toMs) + 1}ms
         GROUP BY time(${Math.floor(q.everyMs)}ms), "quality" fill(none)`,
      ),
    );
    const buckets = new Map<number, SummaryBucket>();
    for (const r of rows) {
      const ts = r.time.getTime();
      const estimates = r.quality === "estimate" ? r.count : 0;
      const b = buckets.get(ts);
      if (!b) buckets.set(ts, { ts, min: r.min, mean: r.mean, max: r.max, count: r.count, estimates });
      else buckets.set(ts, {
        ts, min: Math.min(b.min, r.min), max: Math.max(b.max, r.max), count: b.count + r.count, estimates: b.estimates + estimates,
        mean: (b.mean * b.count + r.mean * r.count) / (b.count + r.count),
      });
    }
    return [...buckets.values()].sort((a, b) => a.ts - b.ts);
  }

  async sequences(device: string): Promise<number[]> {
    const rows = await this.track(
      this.influx.query<{ seq: number }>(`SELECT seq FROM ${MEASUREMENT} WHERE "device" = ${escape.stringLit(device)}`),
    );
    return rows.map((r) => r.seq).sort((a, b) => a - b);
  }

  health(): StoreHealth {
    return this.state;
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      this.state = { state: "up" };
      return result;
    } catch (err) {
      this.state = { state: "down", detail: (err as Error).message };
      throw err;
    }
  }
}

function fromRow(row: InfluxRow): StoredReading {
  const ns = BigInt(row.time.getNanoTime());
  const reading: StoredReading = {
    device: row.device,
    seq: row.seq,
    sensor: row.sensor,
    value: row.value ?? null,
    unit: row.unit,
    quality: row.quality,
    ts: Number(ns / 1_000_000n),
    clock: row.clock,
  };
  if (row.warning) reading.warning = row.warning;
  return reading;
}
