// Persistent state of the trigger matrix: rule phases, alerts, aid requests, the local
// notification log and the federation outbox, in one SQLite file. Every change of one evaluation
// commits in one transaction, so a restart neither repeats a notification nor loses a clear.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AidRequest, Urgency } from "../../protocol/federation.ts";

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

export interface Notification {
  id: number;
  at: string;
  kind: "alert-raised" | "alert-cleared" | "aid-open" | "aid-updated" | "aid-withdrawn" | "aid-fulfilled";
  ref: string;
  text: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rule_state (rule_id TEXT PRIMARY KEY, phase TEXT NOT NULL, since_ms INTEGER NOT NULL, episode INTEGER NOT NULL, last_cleared_ms INTEGER);
CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, body TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS aid_requests (id TEXT PRIMARY KEY, body TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assessments (figure TEXT PRIMARY KEY, value REAL NOT NULL, ts_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0);
`;

export class TriggerState {
  private db: Database.Database | undefined;
  private readonly path: string;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, "triggers.db");
  }

  open(): void {
    const db = new Database(this.path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL"); // alerts and aid requests are few and must survive power cuts
    db.exec(SCHEMA);
    this.db = db;
  }

  close(): void {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  transaction<T>(fn: () => T): T {
    return this.d.transaction(fn)();
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
    this.d
      .prepare(
        `INSERT INTO rule_state (rule_id, phase, since_ms, episode, last_cleared_ms) VALUES (?,?,?,?,?)
         ON CONFLICT(rule_id) DO UPDATE SET phase = excluded.phase, since_ms = excluded.since_ms, episode = excluded.episode, last_cleared_ms = excluded.last_cleared_ms`,
      )
      .run(s.ruleId, s.phase, s.sinceMs, s.episode, s.lastClearedMs);
  }

  saveAlert(a: Alert): void {
    this.d
      .prepare("INSERT INTO alerts (id, body, active) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, active = excluded.active")
      .run(a.id, JSON.stringify(a), a.clearedAt ? 0 : 1);
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
      this.sql("UPDATE alerts SET body = ? WHERE id = ?").run(JSON.stringify(alert), id);
    }
    return alert;
  }

  alerts(activeOnly = false): Alert[] {
    const rows = this.sql(`SELECT body FROM alerts ${activeOnly ? "WHERE active = 1" : ""} ORDER BY rowid DESC LIMIT 500`).all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body));
  }

  saveAidRequest(r: AidRequest): void {
    const active = r.status === "open" || r.status === "updated" ? 1 : 0;
    this.d
      .prepare("INSERT INTO aid_requests (id, body, active) VALUES (?,?,?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, active = excluded.active")
      .run(r.id, JSON.stringify(r), active);
  }

  aidRequest(id: string): AidRequest | undefined {
    const row = this.sql("SELECT body FROM aid_requests WHERE id = ?").get(id) as { body: string } | undefined;
    return row ? JSON.parse(row.body) : undefined;
  }

  aidRequests(): AidRequest[] {
    const rows = this.sql("SELECT body FROM aid_requests ORDER BY rowid DESC LIMIT 500").all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body));
  }

  notify(n: Omit<Notification, "id">): void {
    this.sql("INSERT INTO notifications (at, kind, ref, text) VALUES (?,?,?,?)").run(n.at, n.kind, n.ref, n.text);
  }

  notifications(): Notification[] {
    return this.sql("SELECT * FROM notifications ORDER BY id").all() as Notification[];
  }

  /** Assessments people entered (crop loss): figures that no sensor will send again. */
  saveAssessment(name: string, value: number, tsMs: number): void {
    this.d
      .prepare("INSERT INTO assessments (figure, value, ts_ms) VALUES (?,?,?) ON CONFLICT(figure) DO UPDATE SET value = excluded.value, ts_ms = excluded.ts_ms")
      .run(name, value, tsMs);
  }

  assessments(): { name: string; value: number; tsMs: number }[] {
    return this.sql("SELECT figure AS name, value, ts_ms AS tsMs FROM assessments").all() as { name: string; value: number; tsMs: number }[];
  }

  saveCommand(entry: { id: string }): void {
    this.sql("INSERT INTO commands (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body").run(entry.id, JSON.stringify(entry));
  }

  command<T>(id: string): T | undefined {
    const row = this.sql("SELECT body FROM commands WHERE id = ?").get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  commands<T>(): T[] {
    const rows = this.sql("SELECT body FROM commands ORDER BY rowid DESC LIMIT 500").all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as T);
  }

  enqueue(topic: string, payload: string): void {
    this.sql("INSERT INTO outbox (topic, payload) VALUES (?, ?)").run(topic, payload);
  }

  unsent(limit = 100): { seq: number; topic: string; payload: string }[] {
    return this.sql("SELECT seq, topic, payload FROM outbox WHERE sent = 0 ORDER BY seq LIMIT ?").all(limit) as {
      seq: number;
      topic: string;
      payload: string;
    }[];
  }

  markSent(seq: number): void {
    this.sql("UPDATE outbox SET sent = 1 WHERE seq = ?").run(seq);
  }

  private readonly statements = new Map<string, Database.Statement>();

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
