// InfluxDB 1.x through the `influx` package, used when an InfluxDB URL is configured.
// Point identity in InfluxDB is (measurement, tag set, timestamp), and a second write with the same
// identity replaces the first. The timestamp is therefore written in nanoseconds as
// ts_ms * 1e6 + (seq mod 1e6): a resent reading lands on itself (idempotent by device and seq),
// and readings that share a millisecond (an earlier boot's "estimated" clock) do not collide.
import { InfluxDB, escape, type IPoint } from "influx";
import type { ReadingQuery, Store, StoreHealth, StoredReading } from "./store.ts";
import type { Reading } from "../../protocol/payloads.ts";

export interface InfluxStoreOptions {
  url: string;
  database?: string;
  requestTimeoutMs?: number;
}

const MEASUREMENT = "reading";

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

  constructor(options: InfluxStoreOptions) {
    const url = new URL(options.url);
    this.database = options.database ?? (url.pathname.replace(/^\//, "") || "commons_sense");
    this.influx = new InfluxDB({
      host: url.hostname,
      port: Number(url.port || 8086),
      protocol: url.protocol === "https:" ? "https" : "http",
      username: url.username || undefined,
      password: url.password || undefined,
      database: this.database,
      // One attempt per call: the ingest decides when to retry (by not acknowledging).
      pool: { maxRetries: 0, requestTimeout: options.requestTimeoutMs ?? 10_000 },
    });
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
    await this.ensureDatabase();
    const points: IPoint[] = readings.map((r) => {
      // unit, quality and clock are fixed per reading and few-valued: tags keep the points small
      // (string fields cost InfluxDB most of its write time) without breaking idempotency.
      const fields: IPoint["fields"] = { seq: r.seq };
      if (r.value !== null) fields.value = r.value;
      if (r.warning) fields.warning = r.warning;
      return {
        measurement: MEASUREMENT,
        tags: { device: r.device, sensor: r.sensor, unit: r.unit, quality: r.quality, clock: r.clock },
        fields,
        timestamp: (BigInt(r.ts) * 1_000_000n + BigInt(r.seq % 1_000_000)).toString(),
      };
    });
    await this.track(this.influx.writePoints(points, { precision: "n" }));
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
