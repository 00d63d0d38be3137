// Pantry scales that lie: one creeping upward (load-cell creep, a temperature drift) shows food
// that is not there and lengthens days left: the staple's figure is marked uncertain and the scale
// counted among the reserve sensors in trouble (the alert rule's count). A delivery is a step, not
// a creep: rises of a step's size are left out. A scale frozen at one value (a converter returning
// its last conversion, a bin wedged on its frame) cannot be told from a store nobody opened (a
// village eating from its fields may leave the pantry for days): after long enough with no hand
// count, its figure is marked unconfirmed, with no alert. Where the kitchen says how much it takes
// from a staple in a usual day, that take is the reference: a scale showing less than a share of it
// taken over a whole window (stuck, or creeping up slower than the kitchen takes, which looks like
// less use, not like food arriving) is a sensor in trouble. A kitchen's count that differs from the
// scale is named elsewhere (reserves.ts, countAgainstScale).

/** Readings further apart than this are not joined: the scale was away, its moves then are unknown. */
const MAX_JOIN_MS = 15 * 60_000;

export interface ScaleCheckOptions {
  /** Scale sensors checked. */
  scales: readonly string[];
  /** The very same value this long, and no hand count since it began: unconfirmed. */
  unconfirmedAfterMs: number;
  /** The window over which a creep is summed. */
  driftWindowMs: number;
  /** A creep past this share of the scale's value (or `driftMinKg`, whichever is more) within the window: drifting. */
  driftShare: number;
  driftMinKg: number;
  /** A move of at least this between two readings is a delivery or a sack taken, not a creep. */
  stepKg: number;
  /** Scale -> what the kitchen takes from its staple in a usual day, kg; scales not named have no reference. */
  usualKgPerDay?: Readonly<Record<string, number>>;
  /** The window over which what was taken is compared with the usual take. */
  useWindowMs?: number;
  /** Less than this share of the usual take shown taken over the window: in trouble. */
  useBelowShare?: number;
}

interface ScaleState {
  value: number;
  /** When the current value was first read, and last read. */
  flatSinceTs: number;
  lastTs: number;
  /** Small moves within the window, oldest first, and their sum. */
  moves: { ts: number; kg: number }[];
  creepKg: number;
  /** The latest hand count of this scale's staple: checks start again from it. */
  countedTs: number;
  /** Every move within the use window but deliveries (steps up), oldest first, and their sum: minus what was taken. */
  changes: { ts: number; kg: number }[];
  changeKg: number;
  /** Since when the moves are all known: the first reading joined up, or the latest count. */
  takenSinceTs: number;
}

export class ScaleChecks {
  private readonly state = new Map<string, ScaleState>();
  private readonly scales: ReadonlySet<string>;

  constructor(private readonly o: ScaleCheckOptions) {
    this.scales = new Set(o.scales);
  }

  observe(r: { sensor: string; value: number | null; quality: string; ts: number }): void {
    if (!this.scales.has(r.sensor)) return;
    const s = this.state.get(r.sensor);
    if (r.quality !== "good" || r.value === null) return void this.state.delete(r.sensor);
    if (!s || r.ts - s.lastTs > MAX_JOIN_MS || r.ts < s.lastTs) {
      this.state.set(r.sensor, { value: r.value, flatSinceTs: r.ts, lastTs: r.ts, moves: [], creepKg: 0, countedTs: s?.countedTs ?? -Infinity, changes: [], changeKg: 0, takenSinceTs: r.ts });
      return;
    }
    const d = r.value - s.value;
    if (d !== 0) s.flatSinceTs = r.ts;
    if (d !== 0 && Math.abs(d) < this.o.stepKg) {
      s.moves.push({ ts: r.ts, kg: d });
      s.creepKg += d;
    }
    while (s.moves.length && s.moves[0].ts <= r.ts - this.o.driftWindowMs) s.creepKg -= s.moves.shift()!.kg;
    if (d !== 0 && d < this.o.stepKg && this.usual(r.sensor) !== undefined) {
      s.changes.push({ ts: r.ts, kg: d });
      s.changeKg += d;
    }
    while (s.changes.length && s.changes[0].ts <= r.ts - this.useWindowMs) s.changeKg -= s.changes.shift()!.kg;
    s.value = r.value;
    s.lastTs = r.ts;
  }

  /** A hand count of the staple the scale weighs: what the scale did before it is confirmed or corrected. */
  counted(scale: string, ts: number): void {
    const s = this.state.get(scale);
    if (!s) return;
    s.countedTs = Math.max(s.countedTs, ts);
    s.moves = s.moves.filter((m) => m.ts > ts);
    s.creepKg = s.moves.reduce((sum, m) => sum + m.kg, 0);
    s.changes = s.changes.filter((m) => m.ts > ts);
    s.changeKg = s.changes.reduce((sum, m) => sum + m.kg, 0);
    s.takenSinceTs = Math.max(s.takenSinceTs, ts);
  }

  private usual(scale: string): number | undefined {
    return this.o.usualKgPerDay?.[scale];
  }

  private get useWindowMs(): number {
    return this.o.useWindowMs ?? 86_400_000;
  }

  /**
   * Why the scale shows less taken than the kitchen takes, or undefined: a sensor in trouble. Judged
   * only over a whole window of joined readings since the last count.
   */
  underUsed(scale: string): string | undefined {
    const usual = this.usual(scale);
    const s = this.state.get(scale);
    if (usual === undefined || !s || s.lastTs - s.takenSinceTs < this.useWindowMs) return undefined;
    const perDay = (-s.changeKg * 86_400_000) / this.useWindowMs;
    if (perDay >= (this.o.useBelowShare ?? 0.5) * usual) return undefined;
    const shown = perDay <= 0.05 * usual ? "nothing taken" : `${+perDay.toFixed(1)} kg a day taken`;
    return `showed ${shown} over ${hours(this.useWindowMs)} where the kitchen takes about ${usual} kg a day: a stuck scale, or one creeping up as food is taken? Count it by hand`;
  }

  /** Why the scale's reading is in doubt as drifting, or undefined: a sensor in trouble. */
  drift(scale: string): string | undefined {
    const s = this.state.get(scale);
    if (!s || s.creepKg <= Math.max(this.o.driftMinKg, this.o.driftShare * Math.abs(s.value))) return undefined;
    return `rose by ${+s.creepKg.toFixed(1)} kg in small moves over ${hours(Math.min(this.o.driftWindowMs, s.lastTs - s.moves[0].ts))}, with no delivery: a scale drifting up? Days left may be too long; count it by hand`;
  }

  /** Why the scale's reading wants a hand count to be trusted, or undefined: the figure's doubt only. */
  unconfirmed(scale: string): string | undefined {
    const s = this.state.get(scale);
    const flatMs = s ? s.lastTs - Math.max(s.flatSinceTs, s.countedTs) : 0;
    if (!s || flatMs < this.o.unconfirmedAfterMs) return undefined;
    return `unchanged at ${+s.value.toFixed(2)} kg for ${hours(flatMs)} and not counted since: a stuck scale, or nothing taken? Count it by hand`;
  }
}

const hours = (ms: number) => `${Math.round(ms / 3_600_000)} h`;
