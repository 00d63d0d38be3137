// Flat-line while flow: a level that must move while another sensor shows flow (the main drawing
// water, the pump moving it) and reads the very same value through enough minutes of that flow is
// taken as stuck. Its figure stays (it may be right) but is marked uncertain with the reason; a
// frozen reading published as good is what made 8.6 days of water look certain against 4.9 true.

interface Flat {
  value: number;
  unit: string;
  sinceTs: number;
  lastTs: number;
  /** Time, within the flat stretch, that the sensor it must move with showed flow. */
  flowingMs: number;
}

/** Two readings further apart than this are not joined (flow between them is not counted): the sensor was away. */
export const MAX_JOIN_MS = 15 * 60_000;
/** A level this close to the tank's capacity is a full tank overflowing, not a stuck sensor. */
const FULL_SHARE = 0.98;

export class StuckSensors {
  private readonly flat = new Map<string, Flat>();
  private readonly flow = new Map<string, { flowing: boolean; ts: number }>();
  private readonly moves = new Map<string, string[]>();

  /**
   * `changesWhile`: level sensor -> the sensor whose flow must move it. `fullAt`: a tank's
   * capacity, at which it holds its level while the spring refills what is drawn (it overflows).
   */
  constructor(
    private readonly changesWhile: Readonly<Record<string, string>>,
    private readonly afterMs: number,
    private readonly fullAt: Readonly<Record<string, number>> = {},
  ) {
    for (const [level, mover] of Object.entries(changesWhile)) this.moves.set(mover, [...(this.moves.get(mover) ?? []), level]);
  }

  observe(r: { sensor: string; value: number | null; unit: string; quality: string; ts: number }): void {
    const good = r.quality === "good" && r.value !== null;
    const levels = this.moves.get(r.sensor);
    if (levels) {
      // Flow between the previous flow reading and this one counts for every level flat through it.
      const prev = this.flow.get(r.sensor);
      if (prev?.flowing && r.ts > prev.ts && r.ts - prev.ts <= MAX_JOIN_MS) {
        for (const level of levels) {
          const f = this.flat.get(level);
          if (f && f.sinceTs < r.ts) f.flowingMs += r.ts - Math.max(prev.ts, f.sinceTs);
        }
      }
      this.flow.set(r.sensor, { flowing: good && r.value! > 0, ts: r.ts });
    }
    if (!(r.sensor in this.changesWhile)) return;
    const f = this.flat.get(r.sensor);
    if (!good) return void this.flat.delete(r.sensor);
    if (!f || f.value !== r.value || r.ts < f.lastTs) this.flat.set(r.sensor, { value: r.value!, unit: r.unit, sinceTs: r.ts, lastTs: r.ts, flowingMs: 0 });
    else f.lastTs = r.ts;
  }

  /** Why the sensor looks stuck, or undefined. */
  stuck(sensor: string): string | undefined {
    const f = this.flat.get(sensor);
    if (!f || f.flowingMs < this.afterMs) return undefined;
    const full = this.fullAt[sensor];
    if (full !== undefined && f.value >= FULL_SHARE * full) return undefined;
    return `unchanged at ${+f.value.toFixed(1)} ${f.unit} for ${minutes(f.lastTs - f.sinceTs)} while ${this.changesWhile[sensor]} showed flow for ${minutes(f.flowingMs)}: stuck sensor?`;
  }
}

/** A span the way the reasons say it: "40 min". */
export const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
