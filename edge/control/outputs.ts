// The board's outputs: relays, motorised valves, PWM fans and vent motors. Every output starts in
// its safe state before anything else runs, returns to it after a board reconnect, after its
// maximum on-time and when a command's lease ends, and is written through the IO plugin directly: johnny-five's Relay sets the
// pin to OUTPUT first, which drives it LOW for an instant and switches an active-low board ON.
import type { ActuatorDefinition } from "../../protocol/board/schema.ts";
import { parseDurationMs } from "../../protocol/expression.ts";

export interface OutputIo {
  MODES: { OUTPUT: number; PWM: number };
  pinMode(pin: number, mode: number): unknown;
  digitalWrite(pin: number, value: number): unknown;
  analogWrite?(pin: number, value: number): unknown;
  pwmWrite?(pin: number, value: number): unknown;
}

/** on/off for relays and valves, a duty cycle in % for PWM outputs. */
export type OutputState = "on" | "off" | number;

export interface OutputChange {
  output: string;
  state: OutputState;
  source: "boot" | "reconnect" | "shutdown" | "link-lost" | "command" | "safety" | "max-on-time" | "lease-ended";
  detail?: string;
}

interface Output {
  def: ActuatorDefinition;
  maxOnMs: number;
  state: OutputState;
  onSinceMs: number | null;
  /**
   * Set while a command holds the output away from its safe state: when the command's lease ends,
   * and since when it is away. Either limit returns it to its safe state, whichever way that is
   * (a main valve that is safe open is never held closed past maxOnTime either).
   */
  lease: { untilMs: number; awaySinceMs: number } | null;
  /** A valve with an end-switch: what it should read, and by when. */
  expect?: { open: boolean; byMs: number };
}

export class Outputs {
  private readonly outputs = new Map<string, Output>();
  private readonly io: OutputIo;
  private readonly now: () => number;
  readonly changes: OutputChange[] = [];
  /**
   * Called after every change, so the device status can say so at once, and when a lease begins
   * on an output already in the commanded state: either gives tick() something to watch.
   */
  onChange: (() => void) | undefined;
  /** Valves whose end-switch did not confirm the move: what a person should check. */
  readonly warnings = new Map<string, string>();
  private readonly feedback = new Map<string, number>();

  constructor(io: OutputIo, actuators: readonly ActuatorDefinition[], now: () => number) {
    this.io = io;
    this.now = now;
    for (const def of actuators) {
      this.outputs.set(def.id, { def, maxOnMs: parseDurationMs(def.maxOnTime), state: def.safeState, onSinceMs: null, lease: null });
    }
  }

  /** Starts reading the valves' end-switches (the IO plugin's digitalRead reports). */
  watchFeedback(io: { MODES: { INPUT: number }; pinMode(pin: number, mode: number): unknown; digitalRead(pin: number, cb: (v: number) => void): unknown }): void {
    for (const o of this.outputs.values()) {
      if (o.def.kind === "pwm" || o.def.feedbackPin === undefined) continue;
      const id = o.def.id;
      io.pinMode(o.def.feedbackPin, io.MODES.INPUT);
      io.digitalRead(o.def.feedbackPin, (v) => this.feedback.set(id, v));
    }
  }

  has(id: string): boolean {
    return this.outputs.has(id);
  }

  kind(id: string): ActuatorDefinition["kind"] | undefined {
    return this.outputs.get(id)?.def.kind;
  }

  /** Every output's state now, for the device status. */
  snapshot(): Array<{ id: string; kind: ActuatorDefinition["kind"]; state: OutputState; tier?: number }> {
    return [...this.outputs.values()].map((o) => ({ id: o.def.id, kind: o.def.kind, state: o.state, ...(o.def.tier ? { tier: o.def.tier } : {}) }));
  }

  state(id: string): OutputState | undefined {
    return this.outputs.get(id)?.state;
  }

  /** Drives every output to its safe state: the first thing after boot and after a reconnect. */
  applySafeStates(source: "boot" | "reconnect" | "shutdown" | "link-lost"): void {
    for (const o of this.outputs.values()) {
      // Level before mode: on an AVR, writing HIGH to an input turns on its pull-up, and switching
      // to OUTPUT then keeps it HIGH, so an active-low relay never sees LOW on the way.
      this.write(o, o.def.safeState, true);
      this.record(o, o.def.safeState, source);
    }
  }

  set(id: string, state: OutputState, source: OutputChange["source"], detail?: string): void {
    const o = this.outputs.get(id);
    if (!o) throw new RangeError(`no output ${id}`);
    // Anything but a command (a safety loop, a reconnect) takes the output out of a command's lease.
    if (source !== "command") o.lease = null;
    if (o.state === state) return;
    this.write(o, state, false);
    this.record(o, state, source, detail);
  }

  /**
   * A command's state, held for `leaseMs` (the command's own lifetime, measured on this board's
   * clock from now, so a gateway clock that is off cannot stretch it). A command to the safe state
   * needs no lease. A renewal (the same state again) extends it.
   */
  hold(id: string, state: OutputState, leaseMs: number, detail: string): void {
    const o = this.outputs.get(id);
    if (!o) throw new RangeError(`no output ${id}`);
    const now = this.now();
    const away = state !== o.def.safeState;
    const awaySinceMs = o.lease && o.state !== o.def.safeState ? o.lease.awaySinceMs : now;
    const unchanged = !o.lease && o.state === state;
    this.set(id, state, "command", detail);
    o.lease = away ? { untilMs: now + Math.max(0, leaseMs), awaySinceMs } : null;
    // set() said nothing (no change), yet the lease is something for tick() to watch.
    if (unchanged && o.lease) this.onChange?.();
  }

  /** Whether tick() has anything to watch: a lease, an output away from its safe state, a valve travelling. */
  get watching(): boolean {
    for (const o of this.outputs.values()) if (o.lease || o.expect || o.onSinceMs !== null) return true;
    return false;
  }

  /** Returns outputs that overstayed their maximum on-time to their safe state; checks valves. */
  tick(): void {
    const now = this.now();
    for (const o of this.outputs.values()) {
      if (o.expect) {
        const open = this.feedback.get(o.def.id) === 1;
        if (open === o.expect.open) {
          o.expect = undefined;
          this.warnings.delete(o.def.id);
        } else if (now >= o.expect.byMs) {
          this.warnings.set(o.def.id, `${o.def.id} did not report ${o.expect.open ? "open" : "closed"} within ${o.def.kind !== "pwm" ? o.def.travelTime : ""}: check the valve motor and its end switch`);
        }
      }
      if (o.lease && now >= o.lease.untilMs) {
        o.lease = null;
        this.write(o, o.def.safeState, false);
        this.record(o, o.def.safeState, "lease-ended", "the command's lease ended without renewal");
      } else if (o.lease && now - o.lease.awaySinceMs >= o.maxOnMs) {
        o.lease = null;
        this.write(o, o.def.safeState, false);
        this.record(o, o.def.safeState, "max-on-time", `held away from its safe state for longer than ${o.def.maxOnTime}`);
      } else if (o.onSinceMs !== null && now - o.onSinceMs >= o.maxOnMs) {
        o.lease = null;
        this.write(o, o.def.safeState, false);
        this.record(o, o.def.safeState, "max-on-time", `on for longer than ${o.def.maxOnTime}`);
      }
    }
  }

  safeState(id: string): OutputState | undefined {
    return this.outputs.get(id)?.def.safeState;
  }

  private write(o: Output, state: OutputState, withMode: boolean): void {
    const { def } = o;
    if (def.kind === "pwm") {
      const duty = typeof state === "number" ? state : state === "on" ? 100 : 0;
      if (withMode) this.io.pinMode(def.pin, this.io.MODES.PWM);
      const value = Math.round((duty / 100) * 255);
      if (this.io.pwmWrite) this.io.pwmWrite(def.pin, value);
      else this.io.analogWrite?.(def.pin, value);
      return;
    }
    // "on" means the load is powered: through an NC contact that is a relaxed coil.
    const energised = (state === "on") !== (def.contact === "NC");
    const level = energised !== def.activeLow ? 1 : 0;
    this.io.digitalWrite(def.pin, level);
    if (withMode) {
      this.io.pinMode(def.pin, this.io.MODES.OUTPUT);
      this.io.digitalWrite(def.pin, level);
    }
  }

  private record(o: Output, state: OutputState, source: OutputChange["source"], detail?: string): void {
    o.state = state;
    if (o.def.kind === "valve" && o.def.feedbackPin !== undefined) {
      o.expect = { open: state === "on", byMs: this.now() + parseDurationMs(o.def.travelTime) };
    }
    const isOn = state === "on" || (typeof state === "number" && state > 0);
    const safeIsOn = o.def.safeState === "on" || (typeof o.def.safeState === "number" && o.def.safeState > 0);
    // The on-time limit guards outputs switched away from a safe "off"; a safe "on" is never cut.
    o.onSinceMs = isOn && !safeIsOn ? (o.onSinceMs ?? this.now()) : null;
    this.changes.push({ output: o.def.id, state, source, detail });
    this.onChange?.();
  }
}
