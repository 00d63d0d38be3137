// Persistent state of the trigger matrix: rule phases, alerts, aid requests, the local
// notification log and the federation outbox, in one SQLite file. Every change of one evaluation
// commits in one transaction, so a restart neither repeats a notification nor loses a clear.
// Commits run synchronous=NORMAL and each is followed by an fdatasync of the WAL on libuv's
// thread pool, as the edge journal does: a slow SD card must not stall the broker and the alarm
// path on the event loop (a 400 ms fsync did in the alert benchmark). Nothing recorded here leaves
// the gateway (notification, command, federation outbox row) before the flush covering it is done
// (`durable()`), so a power cut cannot make a restart repeat or forget what was already sent.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { WalFlush, type FlushFile } from "../../lib/wal-flush.ts";
import { hasColumn, upgradeSchema, type SchemaStep } from "../../lib/schema-versions.ts";
import { CsError } from "../../protocol/errors.ts";
import type { AidRequest, Offer, Urgency } from "../../protocol/federation.ts";
import type { Notification } from "../../protocol/village.ts";

export type Phase = "idle" | "pending" | "active";

export interface RuleState {
  ruleId: string;
  phase: Phase;
  sinceMs: number;
  episode: number;
  lastClearedMs: number | null;
}

export interface Alert {
  id: string;
  ruleId: string;
  urgency: Urgency;
  message: string;
  raisedAt: string;
  clearedAt: string | null;
  acknowledgedAt: string | null;
  figures: Record<string, number | null>;
  uncertain: string[];
}

/** What the alarm channel publishes (protocol/village.ts). */
export type { Notification };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rule_state (rule_id TEXT PRIMARY KEY, phase TEXT NOT NULL, since_ms INTEGER NOT NULL, episode INTEGER NOT NULL, last_cleared_ms INTEGER);
CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, body TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS aid_requests (id TEXT PRIMARY KEY, body TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, text TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS assessments (figure TEXT PRIMARY KEY, value REAL NOT NULL, ts_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS writes (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, account TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS offers (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS offers_taken (proposal_id TEXT PRIMARY KEY, taken TEXT);
CREATE TABLE IF NOT EXISTS channel_sent (channel TEXT NOT NULL, notification_id INTEGER NOT NULL, recipient TEXT NOT NULL, PRIMARY KEY (channel, notification_id, recipient));
CREATE TABLE IF NOT EXISTS channel_start (channel TEXT PRIMARY KEY, after_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS channel_followed (channel TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (channel, key));
CREATE TABLE IF NOT EXISTS channel_attempts (channel TEXT NOT NULL, notification_id INTEGER NOT NULL, recipient TEXT NOT NULL, attempt INTEGER NOT NULL, PRIMARY KEY (channel, notification_id, recipient));
`;

export interface TriggerStateOptions {
  /** Flushes the WAL file to the device: fs.fdatasync. Tests hold it to see what waits for it. */
  flushFile?: FlushFile;
  /** Pause before a failed flush is tried again. */
  flushRetryMs?: number;
  /** A flush failed; it is retried, and the outbox waits. */
  onFlushFailed?: (err: Error) => void;
}

/** Adds a column that files from before it lack (SCHEMA has it for new files). */
function addColumn(db: Database.Database, table: string, column: string, type: string): void {
  if (!hasColumn(db, table, column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

/** Schema versions of the trigger state (lib/schema-versions.ts): a change is a new step, never an edit. */
const TRIGGER_STATE_STEPS: readonly SchemaStep[] = [
  // Files from before the alarm channel had an outbox: what they hold was published then.
  { version: 1, what: "notifications say whether they were published", apply: (db) => addColumn(db, "notifications", "published", "INTEGER NOT NULL DEFAULT 1") },
  // Files from before a transfer kept what it took off which offer: given back as a plain amount.
  { version: 2, what: "transfers keep what they took off each offer", apply: (db) => addColumn(db, "offers_taken", "taken", "TEXT") },
];

export class TriggerState {
  private db: Database.Database | undefined;
  private readonly path: string;
  private readonly options: TriggerStateOptions;
  private wal: WalFlush<{ changes: number; outboxSeq: number }> | undefined;
  /** Changes made, and how many of them the last completed flush covered. */
  private changes = 0;
  private durableChanges = 0;
  private lastOutboxSeq = 0;
  private durableOutboxSeq = 0;
  private flushSoon: NodeJS.Immediate | undefined;
  private readonly waiters: Array<{ changes: number; resolve: (outboxSeq: number) => void }> = [];

  private readonly dataDir: string;

  constructor(dataDir: string, options: TriggerStateOptions = {}) {
    this.dataDir = dataDir;
    this.path = join(dataDir, "triggers.db");
    this.options = options;
  }

  open(): void {
    mkdirSync(this.dataDir, { recursive: true });
    const db = new Database(this.path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    try {
      upgradeSchema(db, this.path, TRIGGER_STATE_STEPS);
    } catch (err) {
      db.close();
      throw new CsError("CS_ERR_SCHEMA_VERSION", `trigger state ${(err as Error).message}`);
    }
    this.db = db;
    this.wal = new WalFlush(`${this.path}-wal`, {
      flushFile: this.options.flushFile,
      retryMs: this.options.flushRetryMs ?? 1_000,
      take: () => ({ changes: this.changes, outboxSeq: this.lastOutboxSeq }),
      done: ({ changes, outboxSeq }) => this.settle(changes, outboxSeq),
      // Nothing more leaves the gateway until the disk takes a flush again.
      failed: (err) => this.options.onFlushFailed?.(err),
    });
    this.lastOutboxSeq = this.durableOutboxSeq = (db.prepare("SELECT coalesce(max(seq), 0) AS s FROM outbox").get() as { s: number }).s;
  }

  close(): void {
    if (this.flushSoon) clearImmediate(this.flushSoon);
    this.flushSoon = undefined;
    const wal = this.wal;
    this.wal = undefined;
    if (wal) {
      wal.close();
      this.settle(this.changes, this.lastOutboxSeq);
    }
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  transaction<T>(fn: () => T): T {
    const outboxSeq = this.lastOutboxSeq;
    try {
      return this.d.transaction(fn)();
    } catch (err) {
      // Rolled back: its outbox rows are gone, and their numbers will be given out again.
      this.lastOutboxSeq = outboxSeq;
      throw err;
    }
  }

  /**
   * Resolves once every change made so far is on the device, with the outbox sequence number up
   * to which rows may be sent.
   */
  durable(): Promise<number> {
    if (this.durableChanges >= this.changes) return Promise.resolve(this.durableOutboxSeq);
    // Every change has already asked for a flush (run()), so waiting is enough.
    return new Promise((resolve) => this.waiters.push({ changes: this.changes, resolve }));
  }

  ruleState(ruleId: string): RuleState {
    const row = this.sql("SELECT * FROM rule_state WHERE rule_id = ?").get(ruleId) as
      | { phase: Phase; since_ms: number; episode: number; last_cleared_ms: number | null }
      | undefined;
    return row
      ? { ruleId, phase: row.phase, sinceMs: row.since_ms, episode: row.episode, lastClearedMs: row.last_cleared_ms }
      : { ruleId, phase: "idle", sinceMs: 0, episode: 0, lastClearedMs: null };
  }

  saveRuleState(s: RuleState): void {
    this.run(
      `INSERT INTO rule_state (rule_id, phase, since_ms, episode, last_cleared_ms) VALUES (?,?,?,?,?)
       ON CONFLICT(rule_id) DO UPDATE SET phase = excluded.phase, since_ms = excluded.since_ms, episode = excluded.episode, last_cleared_ms = excluded.last_cleared_ms`,
      s.ruleId, s.phase, s.sinceMs, s.episode, s.lastClearedMs,
    );
  }

  saveAlert(a: Alert): void {
    this.run("INSERT INTO alerts (id, body, active) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, active = excluded.active", a.id, JSON.stringify(a), a.clearedAt ? 0 : 1);
  }

  alert(id: string): Alert | undefined {
    const row = this.sql("SELECT body FROM alerts WHERE id = ?").get(id) as { body: string } | undefined;
    return row ? JSON.parse(row.body) : undefined;
  }

  /** Someone has seen the alert and is on it; it stays active until its rule clears. */
  acknowledgeAlert(id: string, atIso: string): Alert | undefined {
    const alert = this.alert(id);
    if (!alert) return undefined;
    if (!alert.acknowledgedAt) {
      alert.acknowledgedAt = atIso;
      this.run("UPDATE alerts SET body = ? WHERE id = ?", JSON.stringify(alert), id);
    }
    return alert;
  }

  alerts(activeOnly = false): Alert[] {
    const rows = this.sql(`SELECT body FROM alerts ${activeOnly ? "WHERE active = 1" : ""} ORDER BY rowid DESC LIMIT 500`).all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body));
  }

  saveAidRequest(r: AidRequest): void {
    const active = r.status === "open" || r.status === "updated" ? 1 : 0;
    this.run("INSERT INTO aid_requests (id, body, active) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, active = excluded.active", r.id, JSON.stringify(r), active);
  }

  aidRequest(id: string): AidRequest | undefined {
    const row = this.sql("SELECT body FROM aid_requests WHERE id = ?").get(id) as { body: string } | undefined;
    return row ? JSON.parse(row.body) : undefined;
  }

  /** Every aid request id that starts so, however old (ids hold no % or _, which LIKE would read). */
  aidRequestIdsStartingWith(prefix: string): string[] {
    return (this.sql("SELECT id FROM aid_requests WHERE id LIKE ?").all(`${prefix}%`) as { id: string }[]).map((r) => r.id);
  }

  aidRequests(): AidRequest[] {
    const rows = this.sql("SELECT body FROM aid_requests ORDER BY rowid DESC LIMIT 500").all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body));
  }

  notify(n: Omit<Notification, "id">): void {
    this.run("INSERT INTO notifications (at, kind, ref, text, published) VALUES (?,?,?,?,0)", n.at, n.kind, n.ref, n.text);
  }

  /** Notifications not yet on the alarm channel, oldest first (the alarm channel's outbox). */
  unpublishedNotifications(limit = 100): Notification[] {
    return this.sql("SELECT id, at, kind, ref, text FROM notifications WHERE published = 0 ORDER BY id LIMIT ?").all(limit) as Notification[];
  }

  markPublished(id: number): void {
    this.run("UPDATE notifications SET published = 1 WHERE id = ?", id);
  }

  /** Notifications after `afterId`, oldest first: what an outgoing channel has still to look at. */
  notificationsAfter(afterId: number, limit = 100): Notification[] {
    return this.sql("SELECT id, at, kind, ref, text FROM notifications WHERE id > ? ORDER BY id LIMIT ?").all(afterId, limit) as Notification[];
  }

  /**
   * Where an outgoing channel (SMS, radio) starts reading notifications: set once, when it is
   * first configured, so that it does not send a village's history; moved on past what it has
   * sent to every recipient.
   */
  channelStart(channel: string): number {
    const row = this.sql("SELECT after_id FROM channel_start WHERE channel = ?").get(channel) as { after_id: number } | undefined;
    if (row) return row.after_id;
    const newest = (this.sql("SELECT COALESCE(MAX(id), 0) AS id FROM notifications").get() as { id: number }).id;
    this.moveChannelStart(channel, newest);
    return newest;
  }

  moveChannelStart(channel: string, afterId: number): void {
    this.run("INSERT INTO channel_start (channel, after_id) VALUES (?, ?) ON CONFLICT(channel) DO UPDATE SET after_id = excluded.after_id", channel, afterId);
  }

  /** A notification a channel has handed over for one recipient: never handed over again. */
  channelSent(channel: string, notificationId: number, recipient: string): boolean {
    return this.sql("SELECT 1 FROM channel_sent WHERE channel = ? AND notification_id = ? AND recipient = ?").get(channel, notificationId, recipient) !== undefined;
  }

  markChannelSent(channel: string, notificationId: number, recipient: string): void {
    this.run("INSERT OR IGNORE INTO channel_sent (channel, notification_id, recipient) VALUES (?, ?, ?)", channel, notificationId, recipient);
  }

  /** The channel's sender gave up on what was handed over (a modem's error folder): hand it over again. */
  unmarkChannelSent(channel: string, notificationId: number, recipient: string): void {
    this.run("DELETE FROM channel_sent WHERE channel = ? AND notification_id = ? AND recipient = ?", channel, notificationId, recipient);
  }

  /**
   * What a channel handed over and follows to its outcome (an SMS file in gammu-smsd's folders),
   * by the channel's own key: followed on after a restart.
   */
  channelFollowed<T>(channel: string): Map<string, T> {
    const rows = this.sql("SELECT key, body FROM channel_followed WHERE channel = ?").all(channel) as { key: string; body: string }[];
    return new Map(rows.map((r) => [r.key, JSON.parse(r.body) as T]));
  }

  followChannel(channel: string, key: string, body: unknown): void {
    this.run("INSERT INTO channel_followed (channel, key, body) VALUES (?, ?, ?) ON CONFLICT(channel, key) DO UPDATE SET body = excluded.body", channel, key, JSON.stringify(body));
  }

  unfollowChannel(channel: string, key: string): void {
    this.run("DELETE FROM channel_followed WHERE channel = ? AND key = ?", channel, key);
  }

  /** Which hand-over of a notification to a recipient comes next (1 when none failed). */
  channelAttempt(channel: string, notificationId: number, recipient: string): number {
    const row = this.sql("SELECT attempt FROM channel_attempts WHERE channel = ? AND notification_id = ? AND recipient = ?").get(channel, notificationId, recipient) as { attempt: number } | undefined;
    return row?.attempt ?? 1;
  }

  setChannelAttempt(channel: string, notificationId: number, recipient: string, attempt: number): void {
    this.run("INSERT INTO channel_attempts (channel, notification_id, recipient, attempt) VALUES (?, ?, ?, ?) ON CONFLICT(channel, notification_id, recipient) DO UPDATE SET attempt = excluded.attempt", channel, notificationId, recipient, attempt);
  }

  /** Recipients a channel gave up on (attempts past `max`), newest notification first. */
  channelGivenUp(channel: string, max: number): { notificationId: number; recipient: string }[] {
    return this.sql("SELECT notification_id AS notificationId, recipient FROM channel_attempts WHERE channel = ? AND attempt > ? ORDER BY notification_id DESC").all(channel, max) as { notificationId: number; recipient: string }[];
  }

  /** A message got through again: what was given up on is behind us. */
  forgetChannelGivenUp(channel: string, max: number): void {
    this.run("DELETE FROM channel_attempts WHERE channel = ? AND attempt > ?", channel, max);
  }

  /** The newest 500, oldest first: a year of a village's announcements need not come in one answer. */
  notifications(): Notification[] {
    return this.sql("SELECT * FROM (SELECT id, at, kind, ref, text FROM notifications ORDER BY id DESC LIMIT 500) ORDER BY id").all() as Notification[];
  }

  /** Assessments people entered (crop loss): figures that no sensor will send again. */
  saveAssessment(name: string, value: number, tsMs: number): void {
    this.run("INSERT INTO assessments (figure, value, ts_ms) VALUES (?,?,?) ON CONFLICT(figure) DO UPDATE SET value = excluded.value, ts_ms = excluded.ts_ms", name, value, tsMs);
  }

  assessments(): { name: string; value: number; tsMs: number }[] {
    return this.sql("SELECT figure AS name, value, ts_ms AS tsMs FROM assessments").all() as { name: string; value: number; tsMs: number }[];
  }

  /** What the village offers its neighbours beyond water and food (gateway/federation/village-offers.ts). */
  saveOffers(offers: readonly Offer[]): void {
    this.run("INSERT INTO offers (id, body) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body", JSON.stringify(offers));
  }

  offers(): Offer[] {
    const row = this.sql("SELECT body FROM offers WHERE id = 1").get() as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Offer[]) : [];
  }

  /** Records that an agreed transfer came off the offers, and what it took; false if it already had. */
  markOfferTaken(proposalId: string, taken?: readonly Offer[]): boolean {
    return this.run("INSERT OR IGNORE INTO offers_taken (proposal_id, taken) VALUES (?, ?)", proposalId, taken ? JSON.stringify(taken) : null).changes === 1;
  }

  /**
   * What an agreed transfer took off the offers (each piece with the offer's own `whole` and
   * note); null for one recorded before pieces were kept; undefined if none is recorded.
   */
  offerTaken(proposalId: string): Offer[] | null | undefined {
    const row = this.sql("SELECT taken FROM offers_taken WHERE proposal_id = ?").get(proposalId) as { taken: string | null } | undefined;
    return row && (row.taken === null ? null : (JSON.parse(row.taken) as Offer[]));
  }

  saveCommand(entry: { id: string }): void {
    this.run("INSERT INTO commands (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body", entry.id, JSON.stringify(entry));
  }

  command<T>(id: string): T | undefined {
    const row = this.sql("SELECT body FROM commands WHERE id = ?").get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  commands<T>(): T[] {
    const rows = this.sql("SELECT body FROM commands ORDER BY rowid DESC LIMIT 500").all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as T);
  }

  /** A write made through the API and the account that made it (an office such as a circle). */
  recordWrite(w: { at: string; account: string; method: string; path: string; status: number }): void {
    this.run("INSERT INTO writes (at, account, method, path, status) VALUES (?,?,?,?,?)", w.at, w.account, w.method, w.path, w.status);
  }

  /** The newest 500 writes, newest first. */
  writes(): { at: string; account: string; method: string; path: string; status: number }[] {
    return this.sql("SELECT at, account, method, path, status FROM writes ORDER BY id DESC LIMIT 500").all() as ReturnType<TriggerState["writes"]>;
  }

  enqueue(topic: string, payload: string): void {
    this.lastOutboxSeq = Number(this.run("INSERT INTO outbox (topic, payload) VALUES (?, ?)", topic, payload).lastInsertRowid);
  }

  /** Outbox rows not sent yet, up to upToSeq (what `durable()` gave: nothing a power cut can undo). */
  unsent(limit = 100, upToSeq = Number.MAX_SAFE_INTEGER): { seq: number; topic: string; payload: string }[] {
    return this.sql("SELECT seq, topic, payload FROM outbox WHERE sent = 0 AND seq <= ? ORDER BY seq LIMIT ?").all(upToSeq, limit) as {
      seq: number;
      topic: string;
      payload: string;
    }[];
  }

  markSent(seq: number): void {
    this.run("UPDATE outbox SET sent = 1 WHERE seq = ?", seq);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Runs a change; a flush follows once the running task (and its transaction) is done. */
  private run(text: string, ...args: unknown[]): Database.RunResult {
    const result = this.sql(text).run(...args);
    this.changes++;
    this.scheduleFlush();
    return result;
  }

  /** After the running task, so that one flush covers a whole transaction. */
  private scheduleFlush(): void {
    if (this.flushSoon || !this.wal) return;
    this.flushSoon = setImmediate(() => {
      this.flushSoon = undefined;
      this.wal?.request();
    });
  }

  private settle(changes: number, outboxSeq: number): void {
    this.durableChanges = Math.max(this.durableChanges, changes);
    this.durableOutboxSeq = Math.max(this.durableOutboxSeq, outboxSeq);
    // In the order asked: notifications waiting on these go out in the order they were made.
    while (this.waiters.length && this.waiters[0].changes <= this.durableChanges) this.waiters.shift()!.resolve(this.durableOutboxSeq);
  }

  /** Prepared once per SQL text: rules are evaluated on every batch of readings. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.d.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private get d(): Database.Database {
    if (!this.db) throw new Error("trigger state is not open");
    return this.db;
  }
}
