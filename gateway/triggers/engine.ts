// The trigger matrix at work: each rule moves idle -> pending (condition true, waiting out `for`)
// -> active (alert raised, aid requested) -> idle (explicit clear: hysteresis). A cleared rule stays
// quiet for quietAfterClear (flap suppression); rules over sensor silence wait out a grace period
// after start. Every step commits to TriggerState in one transaction with its notifications.
import type { Logger } from "pino";
import { type AidRequest } from "../../protocol/federation.ts";
import type { Figures } from "../reserves/figures.ts";
import { evaluate, namesIn, test } from "../../protocol/expression.ts";
import { fedTopic } from "../../protocol/topics.ts";
import type { Rule, RuleSet } from "./rules.ts";
import type { Alert, Notification, RuleState, TriggerState } from "./trigger-state.ts";

export interface EngineOptions {
  village: string;
  rules: RuleSet;
  state: TriggerState;
  log: Logger;
  now: () => number;
  /** Called for each notification once its commit is on the disk (local alarm channel). */
  onNotification?: (n: Omit<Notification, "id">) => void;
  /**
   * Announce without waiting for the flush: for simulations (the drill), whose timeline is stepped
   * synchronously and has no power cut to survive.
   */
  announceAtOnce?: boolean;
  /** Called when the federation outbox has something new. */
  onOutbox?: () => void;
  /** Called for each command action once its commit is on the disk (load shedding and its restore). */
  onCommand?: (c: { device: string; output: string; action: "on" | "off" | "set"; value?: number; reason: string; ttlMs: number; hold: boolean }) => void;
}

type EngineCommand = Parameters<NonNullable<EngineOptions["onCommand"]>>[0];

export class TriggerEngine {
  private readonly o: EngineOptions;
  private readonly startedAtMs: number;

  constructor(options: EngineOptions) {
    this.o = options;
    this.startedAtMs = options.now();
  }

  get rules(): readonly Rule[] {
    return this.o.rules.rules;
  }

  evaluate(figures: Figures): void {
    const now = this.o.now();
    for (const rule of this.o.rules.rules) {
      if (rule.usesDeadman && now - this.startedAtMs < this.o.rules.deadmanGraceMs) continue;
      try {
        this.evaluateRule(rule, figures, now);
      } catch (err) {
        this.o.log.error({ rule: rule.id, err: (err as Error).message }, "rule evaluation failed");
      }
    }
  }

  private evaluateRule(rule: Rule, figures: Figures, now: number): void {
    const lookup = (name: string) => figures[name]?.value ?? null;
    const s = this.o.state.ruleState(rule.id);
    const before = JSON.stringify(s);
    const when = test(rule.when, lookup);
    const effects: (() => void)[] = [];

    if (s.phase === "active") {
      const cleared = rule.clear ? test(rule.clear, lookup) === true : when === false;
      if (cleared) {
        effects.push(() => this.clear(rule, s, figures, now));
        this.idle(s, now);
      } else {
        effects.push(() => this.updateAid(rule, s, figures, now));
      }
    } else if (when === true) {
      const quiet = s.lastClearedMs !== null && now - s.lastClearedMs < rule.quietAfterClearMs;
      if (!quiet) {
        if (s.phase === "idle") {
          s.phase = "pending";
          s.sinceMs = now;
        }
        if (now - s.sinceMs >= rule.forMs) {
          s.phase = "active";
          s.episode += 1;
          s.sinceMs = now;
          effects.push(() => this.raise(rule, s, figures, now));
        }
      }
    } else if (s.phase === "pending") {
      s.phase = "idle";
      s.sinceMs = now;
    }

    if (JSON.stringify(s) === before && effects.length === 0) return;
    this.commit(s, effects);
  }

  /**
   * A person clears an active alert: dealt with, or a false alarm (a sensor known to be broken).
   * It goes as a clear by its rule would: its aid requests are withdrawn, its clear's commands
   * sent, and the rule stays quiet for its quietAfterClear; if its condition still holds then, it
   * is raised again as a new alert. Returns the alert, or undefined if it is not active.
   */
  clearByHand(alertId: string, figures: Figures): Alert | undefined {
    const rule = this.o.rules.rules.find((r) => alertId.startsWith(`${r.id}#`));
    const s = rule && this.o.state.ruleState(rule.id);
    if (!rule || !s || s.phase !== "active" || alertId !== `${rule.id}#${s.episode}`) return undefined;
    const now = this.o.now();
    const effects = [() => this.clear(rule, s, figures, now, "by hand")];
    this.idle(s, now);
    this.commit(s, effects);
    return this.o.state.alert(alertId);
  }

  private idle(s: RuleState, now: number): void {
    s.phase = "idle";
    s.lastClearedMs = now;
    s.sinceMs = now;
  }

  private commit(s: RuleState, effects: (() => void)[]): void {
    let outbox = false;
    const notes: Omit<Notification, "id">[] = [];
    this.o.state.transaction(() => {
      this.o.state.saveRuleState(s);
      for (const effect of effects) effect();
      outbox = this.pendingOutbox;
      notes.push(...this.pendingNotes);
    });
    const commands = this.pendingCommands;
    this.pendingOutbox = false;
    this.pendingNotes = [];
    this.pendingCommands = [];
    this.afterFlush(notes, commands, outbox);
  }

  /**
   * Nothing leaves the gateway before the commit that records it is on the disk: a power cut must
   * not make a restart announce an alert again or forget a command it sent. The flush runs off the
   * event loop, and flushes complete in order, so notifications keep their order.
   */
  private afterFlush(notes: Omit<Notification, "id">[], commands: EngineCommand[], outbox: boolean): void {
    if (notes.length === 0 && commands.length === 0 && !outbox) return;
    const announce = () => {
      for (const n of notes) this.o.onNotification?.(n);
      for (const c of commands) this.o.onCommand?.(c);
      if (outbox) this.o.onOutbox?.();
    };
    if (this.o.announceAtOnce) announce();
    else void this.o.state.durable().then(announce);
  }

  private pendingNotes: Omit<Notification, "id">[] = [];
  private pendingOutbox = false;
  private pendingCommands: EngineCommand[] = [];

  private command(rule: Rule, which: "onRaise" | "onClear", s: RuleState): void {
    this.pendingCommands.push(...this.commandsOf(rule, which, s));
  }

  /**
   * A raised rule's commands hold their outputs for as long as it stays raised (the command
   * service renews their leases); a clear's command is a single lease.
   */
  private commandsOf(rule: Rule, which: "onRaise" | "onClear", s: RuleState): EngineCommand[] {
    return rule.commands.flatMap((c) => {
      const state = c[which];
      if (state === undefined) return [];
      return [{
        device: c.device,
        output: c.output,
        action: typeof state === "number" ? ("set" as const) : state,
        ...(typeof state === "number" ? { value: state } : {}),
        reason: `${rule.id}#${s.episode} ${which === "onRaise" ? "raised" : "cleared"}`,
        ttlMs: c.expiresInMs,
        hold: which === "onRaise",
      }];
    });
  }

  /** The commands of every rule raised now: after a restart, their holds are taken up again. */
  heldCommands(): EngineCommand[] {
    return this.rules.flatMap((rule) => {
      const s = this.o.state.ruleState(rule.id);
      return s.phase === "active" ? this.commandsOf(rule, "onRaise", s) : [];
    });
  }

  private notify(kind: Notification["kind"], ref: string, text: string, now: number): void {
    const n = { at: new Date(now).toISOString(), kind, ref, text };
    this.o.state.notify(n);
    this.pendingNotes.push(n);
  }

  private reasonFigures(rule: Rule, figures: Figures): Record<string, number | null> {
    const names = new Set([...rule.figures, ...rule.aid.flatMap((a) => namesIn(a.quantity))]);
    return Object.fromEntries([...names].filter((n) => n in figures).map((n) => [n, roundFigure(figures[n].value)]));
  }

  private raise(rule: Rule, s: RuleState, figures: Figures, now: number): void {
    this.command(rule, "onRaise", s);
    const uncertain = rule.figures.flatMap((f) => figures[f]?.reasons ?? []);
    for (const message of rule.alerts) {
      const alert: Alert = {
        id: `${rule.id}#${s.episode}`,
        ruleId: rule.id,
        urgency: rule.urgency,
        message,
        raisedAt: new Date(now).toISOString(),
        clearedAt: null,
        acknowledgedAt: null,
        figures: this.reasonFigures(rule, figures),
        uncertain,
      };
      this.o.state.saveAlert(alert);
      this.notify("alert-raised", alert.id, `${rule.urgency}: ${message}`, now);
    }
    rule.aid.forEach((action, k) => {
      const amount = evaluate(action.quantity, (n) => figures[n]?.value ?? null);
      if (amount === null || !(amount > 0)) {
        this.o.log.warn({ rule: rule.id, quantity: action.quantitySource, amount }, "aid quantity not positive; no request sent");
        return;
      }
      const request: AidRequest = {
        id: `${this.o.village}:${rule.id}#${s.episode}:${k}`,
        village: this.o.village,
        resource: action.resource,
        quantity: [{ amount: roundAmount(amount), unit: action.unit }],
        urgency: rule.urgency,
        neededBy: new Date(now + action.neededWithinMs).toISOString(),
        duration: action.duration,
        alternativesTried: action.alternativesTried,
        enables: action.enables,
        status: "open",
        version: 1,
        reason: { rule: rule.id, figures: this.reasonFigures(rule, figures) },
        updatedAt: new Date(now).toISOString(),
      };
      this.sendAid(request, "aid-open", now);
    });
  }

  private updateAid(rule: Rule, s: RuleState, figures: Figures, now: number): void {
    rule.aid.forEach((action, k) => {
      const id = `${this.o.village}:${rule.id}#${s.episode}:${k}`;
      const current = this.o.state.aidRequest(id);
      if (!current || current.status === "withdrawn" || current.status === "fulfilled") return;
      const amount = evaluate(action.quantity, (n) => figures[n]?.value ?? null);
      if (amount === null || !(amount > 0)) return; // what is left of it stays asked until the rule clears
      const last = current.quantity[0].amount;
      const atLeast = evaluate(action.updateAtLeast, (n) => figures[n]?.value ?? null) ?? 0;
      if (Math.abs(amount - last) <= Math.max(last * action.updateWhenChangesBy, atLeast)) return;
      this.sendAid(
        {
          ...current,
          quantity: [{ amount: roundAmount(amount), unit: action.unit }],
          status: "updated",
          version: current.version + 1,
          reason: { rule: rule.id, figures: this.reasonFigures(rule, figures) },
          updatedAt: new Date(now).toISOString(),
        },
        "aid-updated",
        now,
      );
    });
  }

  private clear(rule: Rule, s: RuleState, figures: Figures, now: number, how?: string): void {
    this.command(rule, "onClear", s);
    const alert = this.o.state.alert(`${rule.id}#${s.episode}`);
    if (alert && !alert.clearedAt) {
      this.o.state.saveAlert({ ...alert, clearedAt: new Date(now).toISOString() });
      this.notify("alert-cleared", alert.id, `cleared${how ? ` ${how}` : ""}: ${alert.message}`, now);
    }
    rule.aid.forEach((_action, k) => {
      const current = this.o.state.aidRequest(`${this.o.village}:${rule.id}#${s.episode}:${k}`);
      if (!current || current.status === "withdrawn" || current.status === "fulfilled") return;
      this.sendAid(
        { ...current, status: "withdrawn", version: current.version + 1, reason: { rule: rule.id, figures: this.reasonFigures(rule, figures) }, updatedAt: new Date(now).toISOString() },
        "aid-withdrawn",
        now,
      );
    });
  }

  /**
   * The village marks a request fulfilled once the help has arrived: the hub stops matching it,
   * and the rule's later clear withdraws nothing. Returns the request, or undefined if not open.
   */
  fulfil(id: string): AidRequest | undefined {
    const current = this.o.state.aidRequest(id);
    if (!current || (current.status !== "open" && current.status !== "updated")) return undefined;
    return this.sendByHand({ ...current, status: "fulfilled", version: current.version + 1, updatedAt: new Date(this.o.now()).toISOString() }, "aid-fulfilled");
  }

  /**
   * People ask for what no sensor sees (medical kits, a repair crew, battery modules): a request of
   * no rule's, `<village>:by-hand#<n>:0`, sent and matched as any other, ended by people too.
   */
  askByHand(ask: HandRequest): AidRequest {
    const now = this.o.now();
    // Numbered past every one made before, however old: an id reused at version 1 would be ignored by the hub.
    const prefix = `${this.o.village}:${BY_HAND_RULE}#`;
    const taken = this.o.state.aidRequestIdsStartingWith(prefix).map((id) => Number(/^(\d+):0$/.exec(id.slice(prefix.length))?.[1] ?? 0));
    return this.sendByHand(
      {
        id: `${prefix}${Math.max(0, ...taken) + 1}:0`,
        village: this.o.village,
        resource: ask.resource,
        quantity: [{ amount: ask.amount, unit: ask.unit }],
        urgency: ask.urgency,
        neededBy: new Date(now + ask.neededWithinDays * 86_400_000).toISOString(),
        duration: ask.duration,
        alternativesTried: ask.alternativesTried,
        enables: ask.enables,
        status: "open",
        version: 1,
        reason: { rule: BY_HAND_RULE, figures: {} },
        updatedAt: new Date(now).toISOString(),
      },
      "aid-open",
    );
  }

  /** People take back a request they made; a rule's own ends with its alert (clearByHand). Undefined if no such open request. */
  withdrawByHand(id: string): AidRequest | undefined {
    const current = this.o.state.aidRequest(id);
    if (!current || current.reason.rule !== BY_HAND_RULE || (current.status !== "open" && current.status !== "updated")) return undefined;
    return this.sendByHand({ ...current, status: "withdrawn", version: current.version + 1, updatedAt: new Date(this.o.now()).toISOString() }, "aid-withdrawn");
  }

  /** A change people made, outside an evaluation: stored, queued for the hub and notified at once. */
  private sendByHand(request: AidRequest, kind: Notification["kind"]): AidRequest {
    const notes: Omit<Notification, "id">[] = [];
    this.o.state.transaction(() => {
      this.sendAid(request, kind, this.o.now());
      notes.push(...this.pendingNotes);
    });
    this.pendingNotes = [];
    this.pendingOutbox = false;
    this.afterFlush(notes, [], true);
    return request;
  }

  private sendAid(request: AidRequest, kind: Notification["kind"], now: number): void {
    this.o.state.saveAidRequest(request);
    this.o.state.enqueue(fedTopic(this.o.village, "aid-requests"), JSON.stringify(request));
    this.pendingOutbox = true;
    const q = request.quantity[0];
    this.notify(kind, request.id, `${request.status}: ${request.resource} ${q.amount} ${q.unit} (${request.urgency})`, now);
  }
}

function roundFigure(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}

function roundAmount(v: number): number {
  return v >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
}

/** The rule id of requests people make by hand. */
export const BY_HAND_RULE = "by-hand";

export interface HandRequest {
  resource: AidRequest["resource"];
  amount: number;
  unit: AidRequest["quantity"][number]["unit"];
  urgency: AidRequest["urgency"];
  neededWithinDays: number;
  duration: AidRequest["duration"];
  enables: string;
  alternativesTried: string[];
}
