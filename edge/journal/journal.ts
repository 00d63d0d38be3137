// The durable outbox. A reading is stamped with a per-device sequence number, group-committed to
// SQLite (WAL, synchronous=FULL) and only then handed to the publisher. It leaves the journal when
// the gateway acknowledges that its store has it. Bounded by a disk budget: overflow deletes the
// oldest readings and counts them, so the loss is reported, never silent.
import Database from "better-sqlite3";
import { EventEmitter } from "node:events";
import type { Reading } from "../../protocol/payloads.ts";
import { CsError } from "../../protocol/errors.ts";
import type { Sample } from "../sensors/sample.ts";
import { isClockSet, type Clock } from "./clock.ts";
import { SeqRangeSet } from "../../protocol/seq-ranges.ts";

export interface JournalOptions {
  path: string;
  clock: Clock;
  /** Group commit: at most this many readings wait in memory... */
  commitEveryReadings?: number;
  /** ...or this long, whichever comes first. */
  commitEveryMs?: number;
  /** Disk budget for the journal file, bytes. 64 MiB holds weeks of a board's readings. */
  maxBytes?: number;
  /** First sequence number of a new journal file; by default see firstSeqFor(). */
  firstSeq?: number;
}

/**
 * Where a new journal file starts numbering. The gateway drops readings whose (device, seq) it
 * already has, so a journal that was lost or replaced (a new SD card) must not start at 1 again:
 * its readings would be taken for duplicates. With the clock set it starts at unix seconds x 1000,
 * above every earlier journal of the device unless that one averaged over 1,000 readings/s; without
 * a clock, at a random point in [2^51, 2^52), far above any clock-based start.
 */
export function firstSeqFor(clock: Clock): number {
  if (isClockSet(clock)) return Math.floor(clock.now() / 1000) * 1000 + 1;
  return 2 ** 51 + Math.floor(Math.random() * 2 ** 50) + 1;
}

export interface JournalStats {
  pending: number;
  overflowDropped: number;
  bytes: number;
  nextSeq: number;
  /** The first sequence number this journal file gave out. */
  firstSeq: number;
}

interface Row {
  seq: number;
  sensor: string;
  value: number | null;
  unit: Reading["unit"];
  quality: Reading["quality"];
  ts: number | null;
  clock: Reading["clock"] | "unsynced";
  warning: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS readings (
  seq INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value REAL, unit TEXT NOT NULL, quality TEXT NOT NULL,
  ts INTEGER, clock TEXT NOT NULL, boot TEXT NOT NULL, mono REAL NOT NULL, warning TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export class Journal extends EventEmitter<{ committed: [Reading[]]; corrected: [] }> {
  private readonly options: Required<Omit<JournalOptions, "firstSeq">> & Pick<JournalOptions, "firstSeq">;
  /** Which start of the agent took a row: a counter in meta (1-2 bytes a row, not a 36-byte UUID). */
  private boot = "";
  private db: Database.Database | undefined;
  private buffer: Omit<Row, "seq">[] = [];
  private monos: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  /**
   * Acknowledged readings are deleted with the next group commit rather than in a transaction of
   * their own: one fsync instead of two, and half the SD-card writes. If power fails first, they
   * are sent again and the gateway drops them as duplicates.
   */
  private acked = new SeqRangeSet();
  private ackTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private first = 1;
  private overflowDropped = 0;
  /** Rows taken before the clock was set exist; checked so commits need not scan for them. */
  private hasUnsynced = false;
  private statements!: {
    insert: Database.Statement;
    setMeta: Database.Statement;
    pendingAfter: Database.Statement;
    deleteRange: Database.Statement;
    count: Database.Statement;
    size: Database.Statement;
    deleteOldest: Database.Statement;
  };

  constructor(options: JournalOptions) {
    super();
    this.options = { commitEveryReadings: 100, commitEveryMs: 1000, maxBytes: 64 * 1024 * 1024, ...options };
  }

  open(): void {
    const db = new Database(this.options.path);
    // Each group commit appends its changed pages to the WAL and the fsync writes whole 4 KiB
    // filesystem blocks: with 4 KiB pages a commit of one sampling round (a readings page and the
    // meta page) wrote three blocks, with 1 KiB pages one or two. Takes effect on new files only.
    db.pragma("page_size = 1024");
    db.pragma("journal_mode = WAL");
    // FULL: a committed reading survives a power cut, not only a process crash.
    db.pragma("synchronous = FULL");
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") {
      db.close();
      throw new CsError("CS_ERR_JOURNAL_CORRUPT", `${this.options.path}: ${String(check)}`);
    }
    db.exec(SCHEMA);
    this.db = db;
    this.statements = {
      insert: db.prepare(
        "INSERT INTO readings (seq, sensor, value, unit, quality, ts, clock, boot, mono, warning) VALUES (?,?,?,?,?,?,?,?,?,?)",
      ),
      setMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      pendingAfter: db.prepare(
        "SELECT seq, sensor, value, unit, quality, ts, clock, warning FROM readings WHERE seq > ? AND seq < ? AND clock != 'unsynced' ORDER BY seq LIMIT ?",
      ),
      deleteRange: db.prepare("DELETE FROM readings WHERE seq BETWEEN ? AND ?"),
      count: db.prepare("SELECT count(*) AS n FROM readings"),
      size: db.prepare(
        "SELECT (p.page_count - f.freelist_count) * s.page_size AS bytes FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
      ),
      deleteOldest: db.prepare("DELETE FROM readings WHERE seq IN (SELECT seq FROM readings ORDER BY seq LIMIT ?)"),
    };
    const maxRow = db.prepare("SELECT max(seq) AS s FROM readings").get() as { s: number | null };
    const storedFirst = this.getMeta("firstSeq");
    if (storedFirst === undefined && this.getMeta("seq") === undefined && maxRow.s === null) {
      this.first = this.options.firstSeq ?? firstSeqFor(this.options.clock);
      this.setMeta("firstSeq", String(this.first));
      this.setMeta("seq", String(this.first - 1));
    } else this.first = Number(storedFirst ?? 1); // a journal from before firstSeq existed began at 1
    this.seq = Math.max(Number(this.getMeta("seq") ?? 0), maxRow.s ?? 0);
    this.overflowDropped = Number(this.getMeta("overflowDropped") ?? 0);
    this.boot = String(Number(this.getMeta("boots") ?? 0) + 1); // journals from before held UUIDs: earlier boots all the same
    this.setMeta("boots", this.boot);
    this.hasUnsynced = db.prepare("SELECT 1 FROM readings WHERE clock = 'unsynced' LIMIT 1").get() !== undefined;
    this.correctClock();
  }

  /** Stamps and buffers a sample; it is durable after the next group commit. */
  append(sample: Sample): void {
    if (!this.db) throw new Error("journal is not open");
    const clock = this.options.clock;
    const synced = isClockSet(clock);
    this.buffer.push({
      sensor: sample.sensor,
      value: sample.value,
      unit: sample.unit,
      quality: sample.quality,
      ts: synced ? Math.round(clock.now()) : null,
      clock: synced ? "synced" : "unsynced",
      warning: sample.warning ?? null,
    });
    if (!synced) this.hasUnsynced = true;
    this.monos.push(clock.monotonicMs());
    if (this.buffer.length >= this.options.commitEveryReadings) this.commit();
    else if (!this.timer) this.timer = setTimeout(() => this.commit(), this.options.commitEveryMs);
  }

  /** Writes the buffered readings in one transaction, then announces them. */
  commit(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.db || this.buffer.length === 0) return;
    const rows = this.buffer;
    const monos = this.monos;
    this.buffer = [];
    this.monos = [];
    const committed: Row[] = [];
    this.db.transaction(() => {
      rows.forEach((r, i) => {
        const seq = ++this.seq;
        this.statements.insert.run(seq, r.sensor, r.value, r.unit, r.quality, r.ts, r.clock, this.boot, monos[i], r.warning);
        committed.push({ seq, ...r });
      });
      this.statements.setMeta.run("seq", String(this.seq));
      this.deleteAcked();
    })();
    this.enforceBudget();
    if (this.hasUnsynced) this.correctClock();
    const publishable = committed.filter((r) => r.clock !== "unsynced").map(toReading);
    if (publishable.length) this.emit("committed", publishable);
  }

  /** Readings with afterSeq < seq < beforeSeq that can be published, in order. */
  pending(afterSeq: number, beforeSeq: number, limit: number): Reading[] {
    const rows = this.statements.pendingAfter.all(afterSeq, beforeSeq, limit) as Row[];
    return rows.filter((r) => !this.acked.has(r.seq)).map(toReading);
  }

  /** The gateway stored these inclusive ranges: they leave the journal (with the next commit). */
  acknowledge(ranges: ReadonlyArray<readonly [number, number]>): void {
    if (!this.db) return;
    for (const [from, to] of ranges) this.acked.add(from, to);
    this.ackTimer ??= setTimeout(() => this.flushAcks(), this.options.commitEveryMs);
  }

  /** Deletes acknowledged readings now, when no group commit is coming to carry them. */
  flushAcks(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (!this.db || this.acked.size === 0) return;
    this.db.transaction(() => this.deleteAcked())();
  }

  private deleteAcked(): void {
    for (const [from, to] of this.acked.toArray()) this.statements.deleteRange.run(from, to);
    this.acked = new SeqRangeSet();
  }

  get firstSeq(): number {
    return this.first;
  }

  get nextSeq(): number {
    return this.seq + 1 + this.buffer.length;
  }

  stats(): JournalStats {
    this.flushAcks();
    const pending = (this.statements.count.get() as { n: number }).n + this.buffer.length;
    const bytes = (this.statements.size.get() as { bytes: number }).bytes;
    return { pending, overflowDropped: this.overflowDropped, bytes, nextSeq: this.nextSeq, firstSeq: this.first };
  }

  getMeta(key: string): string | undefined {
    const row = this.db?.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.statements.setMeta.run(key, value);
  }

  close(): void {
    this.commit();
    this.flushAcks();
    this.db?.close();
    this.db = undefined;
  }

  /**
   * Readings of this process taken before the clock was set get now - (monotonic age);
   * those of an earlier boot only get an upper bound: the moment this process started.
   */
  private correctClock(): void {
    if (!this.db || !this.hasUnsynced || !isClockSet(this.options.clock)) return;
    this.hasUnsynced = false;
    const now = this.options.clock.now();
    const mono = this.options.clock.monotonicMs();
    const corrected = this.db
      .prepare("UPDATE readings SET ts = CAST(? - (? - mono) AS INTEGER), clock = 'corrected' WHERE clock = 'unsynced' AND boot = ?")
      .run(now, mono, this.boot);
    const estimated = this.db
      .prepare("UPDATE readings SET ts = CAST(? AS INTEGER), clock = 'estimated' WHERE clock = 'unsynced' AND boot != ?")
      .run(now - mono, this.boot);
    // Corrected readings were never sent; the publisher picks them up as backlog.
    if (corrected.changes + estimated.changes > 0) this.emit("corrected");
  }

  private enforceBudget(): void {
    let bytes = (this.statements.size.get() as { bytes: number }).bytes;
    while (bytes > this.options.maxBytes) {
      const total = (this.statements.count.get() as { n: number }).n;
      if (total === 0) return;
      const drop = Math.max(1, Math.ceil(total / 10));
      this.db!.transaction(() => {
        this.statements.deleteOldest.run(drop);
        this.overflowDropped += drop;
        this.statements.setMeta.run("overflowDropped", String(this.overflowDropped));
      })();
      bytes = (this.statements.size.get() as { bytes: number }).bytes;
    }
  }
}

function toReading(row: Row): Reading {
  const reading: Reading = {
    seq: row.seq,
    sensor: row.sensor,
    value: row.value,
    unit: row.unit,
    quality: row.quality,
    ts: row.ts as number,
    clock: row.clock as Reading["clock"],
  };
  if (row.warning) reading.warning = row.warning;
  return reading;
}
