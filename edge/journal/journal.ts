// The durable outbox. A reading is stamped with a per-device sequence number, group-committed to
// SQLite (WAL) and handed to the publisher only once the WAL file holding it has been flushed to
// the device. It leaves the journal when the gateway acknowledges that its store has it. Bounded
// by a disk budget: overflow deletes the oldest readings and counts them, so the loss is
// reported, never silent.
//
// The flush is an fdatasync of the WAL file on libuv's thread pool, not SQLite's synchronous=FULL
// on the event loop: an fsync takes a millisecond on a quiet disk and tens on a busy SD card, and
// the agent's safety loops, commands and MQTT traffic must not stall behind it. A transaction
// still holds at most 100 readings or 1 s of them; commits made while a flush is running share
// the next one. WAL recovery keeps a prefix of the file's commits, so a flush that covers a
// commit also covers every earlier transaction (meta, deletes) it depends on.
import Database from "better-sqlite3";
import { EventEmitter } from "node:events";
import type { Reading } from "../../protocol/payloads.ts";
import { CsError } from "../../protocol/errors.ts";
import type { Sample } from "../sensors/sample.ts";
import { isClockSet, isSetTime, type Clock } from "./clock.ts";
import { WalFlush, type FlushFile } from "../../lib/wal-flush.ts";
import { SeqRangeSet } from "../../protocol/seq-ranges.ts";
import { decodeBatch, encodeBatch, FORMAT_PACKED, type Entry } from "./batch-codec.ts";
import { hasTable, upgradeSchema, type SchemaStep } from "../../lib/schema-versions.ts";

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
  /** Flushes the WAL file to the device: fs.fdatasync. Tests hold it to see what waits for it. */
  flushFile?: FlushFile;
  /**
   * Readings held in memory while the journal cannot write (a full disk): the newest are kept,
   * the oldest beyond this are counted as unkept. 5,000 by default, about an hour of a board.
   */
  maxHeldReadings?: number;
  /**
   * Least time between the starts of two WAL flushes: under a stream of commits several share one
   * fsync (SD-card writes and CPU); a reading waits at most this much longer. 10 ms by default.
   */
  minFlushIntervalMs?: number;
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
  /** Readings in batches that could not be read back (a corrupt row), moved to table quarantine. */
  quarantined: number;
  /** Readings taken while the journal could not write (a full disk) beyond what memory holds. */
  unkept: number;
  /** Why the journal cannot write now (a full disk, an I/O error), or undefined. */
  writeError: string | undefined;
  bytes: number;
  nextSeq: number;
  /** The first sequence number this journal file gave out. */
  firstSeq: number;
}

interface BatchRow {
  first_seq: number;
  last_seq: number;
  boot: string;
  format: number;
  readings: Buffer;
}

/**
 * One row per group commit: the readings packed (batch-codec.ts), in the format `format` names. A
 * commit is one insert and a live batch is serialised to JSON once, for the publisher. Packed, 100
 * readings take about 1.3 KB instead of 13 KB of JSON and a sampling round of 5 about 160 B:
 * several batches share a 1 KiB page, so a commit appends fewer pages to the WAL (fewer SD-card
 * blocks, faster fsyncs).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, unsynced INTEGER NOT NULL, boot TEXT NOT NULL,
  format INTEGER NOT NULL, readings BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine (
  first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, format INTEGER NOT NULL, readings BLOB NOT NULL,
  reason TEXT NOT NULL, at_ms INTEGER NOT NULL
);
`;

/**
 * What a journal file holds, read-only (beside a running agent, which WAL allows): the first and the
 * last sequence number it gave out and those still waiting. For chaos runs and tests.
 */
export function inspectJournal(path: string): { firstSeq: number; lastSeq: number; journalled: number[] } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const meta = (key: string) => (db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
    const rows = db.prepare("SELECT first_seq, last_seq, format, readings FROM batches ORDER BY first_seq").all() as Omit<BatchRow, "boot">[];
    const journalled = rows.flatMap((r) => decodeBatch(r.format, r.readings, path, r.first_seq).map((e) => e.seq));
    // As Journal.open(): meta.seq is behind the newest batch until batches are deleted.
    const lastSeq = Math.max(Number(meta("seq") ?? 0), rows.length ? rows[rows.length - 1].last_seq : 0);
    return { firstSeq: Number(meta("firstSeq") ?? 1), lastSeq, journalled };
  } finally {
    db.close();
  }
}

/** Journals written before batches existed kept one reading per row in a table `readings`. */
type LegacyRow = Omit<Entry, "warning" | "mono"> & { boot: string; mono: number; warning: string | null };

/**
 * Schema versions of the journal (lib/schema-versions.ts): a change is a new step, never an edit.
 * Version 1: a journal from before batches has its readings table renamed; the readings are moved
 * into batches after open, and a crash before that finishes leaves legacy_readings to the next open.
 */
const JOURNAL_STEPS: readonly SchemaStep[] = [
  {
    version: 1,
    what: "readings kept one row each are set aside to be moved into batches",
    apply(db) {
      if (hasTable(db, "readings")) db.exec("ALTER TABLE readings RENAME TO legacy_readings");
    },
  },
];

export class Journal extends EventEmitter<{ committed: [readings: Reading[], json: string]; corrected: []; flushFailed: [err: Error]; quarantined: [batch: { firstSeq: number; lastSeq: number; lost: number; reason: string }]; writeFailed: [err: Error, held: number]; writeRecovered: [unkept: number] }> {
  private readonly options: Required<Omit<JournalOptions, "firstSeq" | "flushFile">> & Pick<JournalOptions, "firstSeq" | "flushFile">;
  /** Flushes the WAL file, opened beside SQLite's own handle. */
  private wal: WalFlush<{ upTo: number; batches: Array<{ readings: Reading[]; json: string }> }> | undefined;
  /** Every reading up to here is on the device; pending() never hands out one above it. */
  private durableSeq = 0;
  /** Committed, not yet flushed: announced when a flush covering them completes. */
  private unflushed: Array<{ readings: Reading[]; json: string }> = [];
  /** What the running flush will announce. */
  private inFlush: Array<{ readings: Reading[]; json: string }> = [];
  /** Batch bytes inserted since the disk budget was last checked. */
  private insertedSinceCheck = 0;
  private readonly flushedWaiters: Array<() => void> = [];
  /** Which start of the agent took a row: a counter in meta (1-2 bytes a row, not a 36-byte UUID). */
  private boot = "";
  private db: Database.Database | undefined;
  private buffer: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  /**
   * Acknowledged readings are deleted with the next group commit rather than in a transaction of
   * their own: one fsync instead of two, and half the SD-card writes. If power fails first, they
   * are sent again and the gateway drops them as duplicates. A batch leaves when all of it is
   * acknowledged; until then its acknowledged part stays here so it is not replayed.
   */
  private acked = new SeqRangeSet();
  private ackTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private first = 1;
  private overflowDropped = 0;
  private lostToQuarantine = 0;
  /** Readings dropped from memory while the journal could not write; persisted once it can. */
  private unkept = 0;
  private writeError: string | undefined;
  /** Batches taken before the clock was set exist; checked so commits need not look for them. */
  private hasUnsynced = false;
  private statements!: {
    insert: Database.Statement;
    setMeta: Database.Statement;
    pendingAfter: Database.Statement;
    deleteCovered: Database.Statement;
    containing: Database.Statement;
    overlap: Database.Statement;
    total: Database.Statement;
    size: Database.Statement;
    oldest: Database.Statement;
    newest: Database.Statement;
    deleteUpTo: Database.Statement;
  };

  constructor(options: JournalOptions) {
    super();
    this.options = { commitEveryReadings: 100, commitEveryMs: 1000, maxBytes: 64 * 1024 * 1024, minFlushIntervalMs: 10, maxHeldReadings: 5000, ...options };
  }

  open(): void {
    const db = new Database(this.options.path);
    // Each group commit appends its changed pages to the WAL and the fsync writes whole 4 KiB
    // filesystem blocks: with 4 KiB pages a commit of one sampling round (a readings page and the
    // meta page) wrote three blocks, with 1 KiB pages one or two. Takes effect on new files only.
    db.pragma("page_size = 1024");
    db.pragma("journal_mode = WAL");
    // NORMAL: commits do not fsync (the journal flushes the WAL itself, off the event loop, before
    // announcing); checkpoints still sync the WAL and the database file, so the file stays whole.
    db.pragma("synchronous = NORMAL");
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") {
      db.close();
      throw new CsError("CS_ERR_JOURNAL_CORRUPT", `${this.options.path}: ${String(check)}`);
    }
    try {
      upgradeSchema(db, this.options.path, JOURNAL_STEPS);
    } catch (err) {
      db.close();
      throw new CsError("CS_ERR_SCHEMA_VERSION", (err as Error).message);
    }
    const legacy = hasTable(db, "legacy_readings");
    db.exec(SCHEMA);
    this.db = db;
    this.statements = {
      insert: db.prepare(`INSERT INTO batches (first_seq, last_seq, unsynced, boot, format, readings) VALUES (?,?,?,?,${FORMAT_PACKED},?)`),
      setMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      // Batches never overlap: the one holding afterSeq + 1 starts at or below it.
      pendingAfter: db.prepare(
        `SELECT first_seq, last_seq, boot, format, readings FROM batches
         WHERE first_seq >= coalesce((SELECT max(first_seq) FROM batches WHERE first_seq <= @after), @after)
           AND first_seq < @before AND last_seq > @after AND unsynced = 0 ORDER BY first_seq`,
      ),
      deleteCovered: db.prepare("DELETE FROM batches WHERE first_seq BETWEEN @from AND @to AND last_seq <= @to"),
      containing: db.prepare("SELECT last_seq FROM batches WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1"),
      overlap: db.prepare(
        "SELECT coalesce(sum(min(last_seq, @to) - max(first_seq, @from) + 1), 0) AS n FROM batches WHERE first_seq <= @to AND last_seq >= @from",
      ),
      total: db.prepare("SELECT coalesce(sum(last_seq - first_seq + 1), 0) AS n, count(*) AS rows FROM batches"),
      size: db.prepare(
        "SELECT (p.page_count - f.freelist_count) * s.page_size AS bytes FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
      ),
      oldest: db.prepare("SELECT last_seq FROM batches ORDER BY first_seq LIMIT 1 OFFSET ?"),
      newest: db.prepare("SELECT last_seq FROM batches ORDER BY first_seq DESC LIMIT 1"),
      deleteUpTo: db.prepare("DELETE FROM batches WHERE first_seq <= ?"),
    };
    if (legacy) this.migrateLegacy();
    const maxRow = db.prepare("SELECT max(last_seq) AS s FROM batches").get() as { s: number | null };
    const storedFirst = this.getMeta("firstSeq");
    if (storedFirst === undefined && this.getMeta("seq") === undefined && maxRow.s === null) {
      this.first = this.options.firstSeq ?? firstSeqFor(this.options.clock);
      this.setMeta("firstSeq", String(this.first));
      this.setMeta("seq", String(this.first - 1));
    } else this.first = Number(storedFirst ?? 1); // a journal from before firstSeq existed began at 1
    // meta.seq is written whenever batches are deleted; inserts alone leave it behind max(last_seq).
    this.seq = Math.max(Number(this.getMeta("seq") ?? 0), maxRow.s ?? 0);
    this.overflowDropped = Number(this.getMeta("overflowDropped") ?? 0);
    this.lostToQuarantine = Number(this.getMeta("quarantined") ?? 0);
    this.unkept = Number(this.getMeta("unkept") ?? 0);
    this.boot = String(Number(this.getMeta("boots") ?? 0) + 1); // journals from before held UUIDs: earlier boots all the same
    this.setMeta("boots", this.boot);
    this.hasUnsynced = db.prepare("SELECT 1 FROM batches WHERE unsynced = 1 LIMIT 1").get() !== undefined;
    // The meta writes above made sure the WAL exists. SQLite deletes it only when its last
    // connection closes, which is this one, in close().
    // What an earlier process committed may still be only in the page cache (it was killed before
    // its flush): the WAL is flushed once as it is opened, so all of it can be handed out.
    this.wal = new WalFlush(`${this.options.path}-wal`, {
      flushFile: this.options.flushFile,
      // A failed flush is retried after a commit interval; a disk that keeps failing shows in the log.
      retryMs: this.options.commitEveryMs,
      minIntervalMs: this.options.minFlushIntervalMs,
      take: () => {
        const batches = this.unflushed;
        this.unflushed = [];
        this.inFlush = batches;
        return { upTo: this.seq, batches };
      },
      done: ({ upTo, batches }) => {
        this.inFlush = [];
        this.durableSeq = Math.max(this.durableSeq, upTo);
        for (const { readings, json } of batches) this.emit("committed", readings, json);
        if (this.durableSeq >= this.seq) for (const resolve of this.flushedWaiters.splice(0)) resolve();
      },
      failed: (err, { batches }) => {
        // Not on the device, so not announced: the readings wait in the journal.
        this.inFlush = [];
        this.unflushed = batches.concat(this.unflushed);
        this.emit("flushFailed", err);
      },
    });
    this.durableSeq = this.seq;
    this.enforceBudget(); // the budget may have been lowered since the file was written
    this.correctClock();
  }

  /** Stamps and buffers a sample; it is durable after the next group commit. */
  append(sample: Sample): void {
    if (!this.db) throw new Error("journal is not open");
    const clock = this.options.clock;
    const nowMs = clock.now();
    const synced = isSetTime(nowMs); // the clock read once for both
    // Numbered now, in the order taken: one object per reading from here to the publisher.
    const entry: Entry = {
      seq: this.seq + this.buffer.length + 1,
      sensor: sample.sensor,
      value: sample.value,
      unit: sample.unit,
      quality: sample.quality,
      ts: synced ? Math.round(nowMs) : null,
      clock: synced ? "synced" : "unsynced",
    };
    if (sample.warning) entry.warning = sample.warning;
    if (!synced) {
      entry.mono = clock.monotonicMs();
      this.hasUnsynced = true;
    }
    this.buffer.push(entry);
    // While the disk refuses writes, commits are tried once a commit interval, not per reading.
    if (this.buffer.length >= this.options.commitEveryReadings && !this.writeError) this.commit();
    else if (!this.timer) this.timer = setTimeout(() => this.commit(), this.options.commitEveryMs);
  }

  /** Writes the buffered readings in one transaction, then announces them. */
  commit(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.db || this.buffer.length === 0) return;
    const entries = this.buffer;
    this.buffer = [];
    this.seq = entries[entries.length - 1].seq;
    // One batch per run of readings taken with or without the clock set (it is set mid-batch once).
    const runs: Entry[][] = [];
    for (const e of entries) {
      const run = runs[runs.length - 1];
      if (run && (run[0].clock === "unsynced") === (e.clock === "unsynced")) run.push(e);
      else runs.push([e]);
    }
    const published: Array<{ readings: Reading[]; json: string }> = [];
    let inserted = 0;
    const write = () =>
      this.db!.transaction(() => {
        for (const run of runs) {
          const unsynced = run[0].clock === "unsynced";
          const blob = encodeBatch(run);
          this.statements.insert.run(run[0].seq, run[run.length - 1].seq, unsynced ? 1 : 0, this.boot, blob);
          inserted += blob.length;
          if (!unsynced) published.push({ readings: run as Reading[], json: JSON.stringify(run) });
        }
        this.deleteAcked();
        if (this.writeError) this.statements.setMeta.run("unkept", String(this.unkept));
      })();
    try {
      try {
        write();
      } catch (err) {
        if ((err as { code?: string }).code !== "SQLITE_FULL") throw err;
        // Full: the oldest readings make room for the newest, as at the disk budget, and counted.
        published.length = 0;
        inserted = 0;
        this.dropOldest();
        write();
      }
    } catch (err) {
      this.heldBack(entries, err as Error);
      return;
    }
    this.insertedSinceCheck += inserted;
    if (this.writeError) {
      this.writeError = undefined;
      this.emit("writeRecovered", this.unkept);
    }
    // The file's size is asked for (three pragmas) once a 64th of the budget has been added, not
    // on every commit: the journal may pass its budget by that much until the next check.
    if (this.insertedSinceCheck >= this.options.maxBytes / 64) this.enforceBudget();
    if (this.hasUnsynced) this.correctClock();
    this.unflushed.push(...published);
    this.wal?.request();
  }

  /**
   * The disk refused the commit: the readings go back to memory, in order, to be written with the
   * next one; past maxHeldReadings the oldest are dropped and counted. Sampling goes on.
   */
  private heldBack(entries: Entry[], err: Error): void {
    const first = !this.writeError;
    this.seq = entries[0].seq - 1;
    this.buffer = entries.concat(this.buffer);
    const excess = this.buffer.length - this.options.maxHeldReadings;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.seq += excess; // given out and lost: the gateway sees the gap
      this.unkept += excess;
    }
    this.writeError = `${(err as { code?: string }).code ?? "error"}: ${err.message}`;
    if (first) this.emit("writeFailed", err, this.buffer.length);
    this.timer ??= setTimeout(() => this.commit(), this.options.commitEveryMs);
  }

  /** Deletes the oldest tenth of the batches, counted as overflow (the budget's rule). */
  private dropOldest(): void {
    const { rows } = this.statements.total.get() as { rows: number };
    if (rows === 0) return;
    const upTo = (this.statements.oldest.get(Math.max(1, Math.ceil(rows / 10)) - 1) as { last_seq: number }).last_seq;
    // The counters change only once the delete is committed: a full disk can refuse it too.
    const lost = this.db!.transaction(() => {
      const first = (this.db!.prepare("SELECT min(first_seq) AS s FROM batches").get() as { s: number }).s;
      const n = (this.statements.overlap.get({ from: first, to: upTo }) as { n: number }).n - this.ackedWithin(first, upTo);
      this.statements.deleteUpTo.run(upTo);
      this.statements.setMeta.run("overflowDropped", String(this.overflowDropped + n));
      this.statements.setMeta.run("seq", String(this.seq));
      return n;
    })();
    this.acked.forgetBelow(upTo + 1);
    this.overflowDropped += lost;
  }

  /** Resolves once everything committed so far is on the device and announced. */
  flushed(): Promise<void> {
    if (!this.wal?.busy && this.durableSeq >= this.seq) return Promise.resolve();
    return new Promise((resolve) => this.flushedWaiters.push(resolve));
  }

  /** Readings with afterSeq < seq < beforeSeq that can be published, in order. */
  pending(afterSeq: number, beforeSeq: number, limit: number): Reading[] {
    const out: Reading[] = [];
    beforeSeq = Math.min(beforeSeq, this.durableSeq + 1); // nothing that is not yet on the device
    if (limit <= 0) return out;
    const corrupt: Array<{ row: BatchRow; err: Error }> = [];
    for (const row of this.statements.pendingAfter.iterate({ after: afterSeq, before: beforeSeq }) as IterableIterator<BatchRow>) {
      let readings: Reading[];
      try {
        readings = decodeBatch(row.format, row.readings, this.options.path, row.first_seq) as Reading[];
      } catch (err) {
        corrupt.push({ row, err: err as Error });
        continue;
      }
      for (const r of readings) {
        if (r.seq > afterSeq && r.seq < beforeSeq && !this.acked.has(r.seq)) out.push(r);
        if (out.length >= limit) break;
      }
      if (out.length >= limit) break;
    }
    for (const { row, err } of corrupt) this.quarantine(row, err);
    return out;
  }

  /**
   * A batch that cannot be read back (a corrupt row, a bit flipped on an SD card) must not stop the
   * agent, which would then sample nothing and run no safety loop: it moves, bytes untouched, to
   * table quarantine for a person to look at, its readings are counted as lost, and the rest of
   * the journal goes on.
   */
  private quarantine(row: BatchRow, err: Error): void {
    const lost = row.last_seq - row.first_seq + 1 - this.ackedWithin(row.first_seq, row.last_seq);
    this.db!.transaction(() => {
      this.db!.prepare("INSERT OR REPLACE INTO quarantine (first_seq, last_seq, format, readings, reason, at_ms) VALUES (?,?,?,?,?,?)")
        .run(row.first_seq, row.last_seq, row.format, row.readings, err.message.slice(0, 500), this.options.clock.now());
      this.db!.prepare("DELETE FROM batches WHERE first_seq = ?").run(row.first_seq);
      this.lostToQuarantine += lost;
      this.statements.setMeta.run("quarantined", String(this.lostToQuarantine));
    })();
    this.emit("quarantined", { firstSeq: row.first_seq, lastSeq: row.last_seq, lost, reason: err.message });
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
    try {
      this.db.transaction(() => this.deleteAcked())();
    } catch (err) {
      // A full disk can refuse even a delete (the WAL grows): the acknowledgements wait for the next commit.
      this.writeError ??= `${(err as { code?: string }).code ?? "error"}: ${(err as Error).message}`;
    }
  }

  /** Deletes the batches wholly acknowledged; keeps only the ranges that still touch a batch. */
  private deleteAcked(): void {
    if (this.acked.size === 0) return;
    let deleted = 0;
    const kept = new SeqRangeSet();
    for (const [from, to] of this.acked.toArray()) {
      deleted += this.statements.deleteCovered.run({ from, to }).changes;
      if (this.touchesBatch(from, to)) kept.add(from, to);
    }
    this.acked = kept;
    // The newest batch holds the highest number given out, so meta.seq is only needed (and only
    // written: a page less per commit on the SD card) when the newest batch itself is gone.
    if (deleted > 0 && ((this.statements.newest.get() as { last_seq: number } | undefined)?.last_seq ?? 0) < this.seq) {
      this.statements.setMeta.run("seq", String(this.seq));
    }
  }

  private touchesBatch(from: number, to: number): boolean {
    const row = this.statements.containing.get(to) as { last_seq: number } | undefined;
    return row !== undefined && row.last_seq >= from;
  }

  /** Readings in [from, to] that sit in batches but are already acknowledged. */
  private ackedWithin(from: number, to: number): number {
    let n = 0;
    for (const [a, b] of this.acked.toArray()) {
      const lo = Math.max(a, from);
      const hi = Math.min(b, to);
      if (lo <= hi) n += (this.statements.overlap.get({ from: lo, to: hi }) as { n: number }).n;
    }
    return n;
  }

  get firstSeq(): number {
    return this.first;
  }

  /** Why the journal cannot write now, and readings it could not keep; no query, unlike stats(). */
  get trouble(): { writeError: string | undefined; unkept: number } {
    return { writeError: this.writeError, unkept: this.unkept };
  }

  /** Readings lost to unreadable batches (kept in table quarantine); costs no query, unlike stats(). */
  get quarantined(): number {
    return this.lostToQuarantine;
  }

  /** Every reading up to this seq is on the device (pending() hands out none above it). */
  get durableThrough(): number {
    return this.durableSeq;
  }

  get nextSeq(): number {
    return this.seq + 1 + this.buffer.length;
  }

  stats(): JournalStats {
    this.flushAcks();
    const stored = (this.statements.total.get() as { n: number }).n;
    const pending = stored - this.ackedWithin(-Infinity, Infinity) + this.buffer.length;
    const bytes = (this.statements.size.get() as { bytes: number }).bytes;
    return { pending, overflowDropped: this.overflowDropped, quarantined: this.lostToQuarantine, unkept: this.unkept, writeError: this.writeError, bytes, nextSeq: this.nextSeq, firstSeq: this.first };
  }

  getMeta(key: string): string | undefined {
    const row = this.db?.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  /**
   * Durable when it returns true, as before the asynchronous flushes: the agent keeps here what
   * must survive a power cut at once (commands already carried out, pulse counter totals). False
   * when the disk refused it.
   */
  setMeta(key: string, value: string): boolean {
    try {
      this.statements.setMeta.run(key, value);
    } catch (err) {
      // A full disk: the caller keeps the value in memory and sets it again with its next change.
      this.writeError ??= `${(err as { code?: string }).code ?? "error"}: ${(err as Error).message}`;
      return false;
    }
    this.wal?.syncNow();
    return true;
  }

  close(): void {
    this.commit();
    this.flushAcks();
    const wal = this.wal;
    this.wal = undefined;
    if (wal) {
      // The last commits are flushed here, in line, and announced like any other.
      wal.close();
      this.durableSeq = this.seq;
      for (const { readings, json } of [...this.inFlush, ...this.unflushed.splice(0)]) this.emit("committed", readings, json);
      this.inFlush = [];
    }
    for (const resolve of this.flushedWaiters.splice(0)) resolve();
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
    const rows = this.db.prepare("SELECT first_seq, last_seq, boot, format, readings FROM batches WHERE unsynced = 1").all() as BatchRow[];
    if (rows.length === 0) return;
    const update = this.db.prepare(`UPDATE batches SET unsynced = 0, format = ${FORMAT_PACKED}, readings = ? WHERE first_seq = ?`);
    const corrupt: Array<{ row: BatchRow; err: Error }> = [];
    this.db.transaction(() => {
      for (const row of rows) {
        let decoded: Entry[];
        try {
          decoded = decodeBatch(row.format, row.readings, this.options.path, row.first_seq);
        } catch (err) {
          corrupt.push({ row, err: err as Error });
          continue;
        }
        const entries = decoded.map(({ mono: taken, ...e }): Entry =>
          row.boot === this.boot
            ? { ...e, ts: Math.trunc(now - (mono - (taken ?? mono))), clock: "corrected" as const }
            : { ...e, ts: Math.trunc(now - mono), clock: "estimated" as const },
        );
        update.run(encodeBatch(entries), row.first_seq);
      }
    })();
    for (const { row, err } of corrupt) this.quarantine(row, err);
    // Corrected readings were never sent; the publisher picks them up as backlog.
    this.emit("corrected");
  }

  private enforceBudget(): void {
    this.insertedSinceCheck = 0;
    let bytes = (this.statements.size.get() as { bytes: number }).bytes;
    while (bytes > this.options.maxBytes) {
      if ((this.statements.total.get() as { rows: number }).rows === 0) return;
      this.dropOldest();
      bytes = (this.statements.size.get() as { bytes: number }).bytes;
    }
  }

  /** Moves a one-row-per-reading journal into batches of up to 100, in one transaction. */
  private migrateLegacy(): void {
    const db = this.db!;
    const rows = db.prepare("SELECT * FROM legacy_readings ORDER BY seq").all() as LegacyRow[];
    db.transaction(() => {
      let run: Entry[] = [];
      let runBoot = "";
      const flush = () => {
        if (run.length === 0) return;
        const unsynced = run[0].clock === "unsynced";
        this.statements.insert.run(run[0].seq, run[run.length - 1].seq, unsynced ? 1 : 0, runBoot, encodeBatch(run));
        run = [];
      };
      for (const r of rows) {
        const unsynced = r.clock === "unsynced";
        const prev = run[run.length - 1];
        if (prev && (prev.clock === "unsynced" !== unsynced || runBoot !== r.boot || run.length >= 100 || prev.seq + 1 !== r.seq)) flush();
        runBoot = r.boot;
        const e: Entry = { seq: r.seq, sensor: r.sensor, value: r.value, unit: r.unit, quality: r.quality, ts: r.ts, clock: r.clock };
        if (r.warning) e.warning = r.warning;
        if (unsynced) e.mono = r.mono;
        run.push(e);
      }
      flush();
      db.exec("DROP TABLE legacy_readings");
    })();
  }
}

