// The Store interface: where the village's readings live. Two implementations run through one
// contract suite (test/contracts/store.contract.ts): the embedded SQLite default and InfluxDB 1.x.
import type { KeptQuality, Reading } from "../../protocol/payloads.ts";

/** A device's reading as kept, or one of the gateway's own figures (which may be an estimate). */
export interface StoredReading extends Omit<Reading, "quality"> {
  device: string;
  quality: KeptQuality;
}

export interface ReadingQuery {
  sensor: string;
  /** Inclusive, epoch ms. */
  fromMs: number;
  /** Inclusive, epoch ms. */
  toMs: number;
  limit?: number;
}

/** Good readings and estimates of one sensor in buckets of `everyMs`, aligned to multiples of it since 1970 (as InfluxDB's GROUP BY time). */
export interface SummaryQuery {
  sensor: string;
  fromMs: number;
  toMs: number;
  everyMs: number;
}

export interface SummaryBucket {
  /** The bucket's start, epoch ms. */
  ts: number;
  min: number;
  mean: number;
  max: number;
  count: number;
  /** How many of `count` are estimates: a chart marks the bucket as not measured. */
  estimates: number;
}

export interface StoreHealth {
  state: "up" | "down" | "starting";
  detail?: string;
}

export interface Store {
  readonly kind: "embedded" | "influxdb";
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Writes durably, all or nothing. Idempotent: writing the same reading (device, seq, sensor,
   * time) twice leaves one; both stores key a reading by its series, time and seq. Rejects when the
   * store cannot take the batch; the caller then does not acknowledge.
   */
  write(readings: readonly StoredReading[]): Promise<void>;
  /** The latest reading of every sensor. */
  latest(): Promise<StoredReading[]>;
  /** Readings of one sensor in a time window, oldest first. */
  query(q: ReadingQuery): Promise<StoredReading[]>;
  /**
   * A season's history for a chart without moving every reading: good readings and estimates
   * (counted apart), never invalid ones; empty buckets left out, oldest first. The embedded store
   * includes the hourly rows it keeps past raw retention.
   */
  summary(q: SummaryQuery): Promise<SummaryBucket[]>;
  /** Every stored sequence number of a device, ascending: how loss and duplicates are counted. */
  sequences(device: string): Promise<number[]>;
  health(): StoreHealth;
}
