// The power system's sensors measure one circuit from three sides (the battery's V and I, the
// charging input, the state of charge), so each can be checked against the others. Two checks:
// - Charging beyond the input: the battery cannot take in more than the measured input gives.
//   When it seems to, the current or the input sensor lies (or a source charges unmeasured), and
//   the load, which is input - V x I, reads low: power's days left would look far better than true.
// - A state of charge that stays put while energy goes in or out of the battery: a monitor that
//   has frozen, or a charge count that no longer sees the current.
// A problem holds until the sensors agree again (a frozen current until it moves); it names the
// sensors and what to check.
import { MAX_JOIN_MS, minutes } from "./stuck-sensors.ts";

export interface PowerMoment {
  ts: number;
  volts: number;
  amps: number;
  /** Charging input, W; undefined where the village has no input sensor. */
  inW?: number;
  /** State of charge, %; undefined where it is not known at this moment. */
  socPct?: number;
}

export interface PowerPlausibilityOptions {
  currentSensor: string;
  inflowSensor?: string;
  socSensor: string;
  capacityWh: number;
  /** How long the battery must seem to charge beyond the input before it is called implausible. */
  afterMs: number;
  /** Net energy, in % of capacity, that must go in or out while the state of charge reads the same. */
  socStuckAfterPct: number;
}

/** A hall sensor and an input transducer each read a few % off; a hundred watts or so is noise. */
const MARGIN_W = 150;
const MARGIN_SHARE = 0.1;

export class PowerPlausibility {
  private excess: { sinceTs: number; lastTs: number; chargeW: number; amps: number; volts: number; inW: number } | undefined;
  private flat: { socPct: number; sinceTs: number; lastTs: number; netWh: number } | undefined;
  private last: PowerMoment | undefined;

  constructor(private readonly o: PowerPlausibilityOptions) {}

  observe(m: PowerMoment): void {
    const prev = this.last;
    const joined = prev !== undefined && m.ts > prev.ts && m.ts - prev.ts <= MAX_JOIN_MS;
    this.last = m;

    const chargeW = m.volts * m.amps;
    const inW = m.inW;
    if (inW !== undefined && chargeW - inW > Math.max(MARGIN_W, MARGIN_SHARE * Math.abs(inW))) {
      if (this.excess && joined) Object.assign(this.excess, { lastTs: m.ts, chargeW, amps: m.amps, volts: m.volts, inW });
      else this.excess = { sinceTs: m.ts, lastTs: m.ts, chargeW, amps: m.amps, volts: m.volts, inW };
    } else if (!(this.raised() && joined && m.amps === this.excess!.amps)) {
      // A current that froze agrees with the input now and then (a morning's sun): only a current
      // that has moved since it was found wrong can clear the doubt.
      this.excess = undefined;
    }

    if (m.socPct === undefined) return void (this.flat = undefined);
    if (!this.flat || this.flat.socPct !== m.socPct || !joined) return void (this.flat = { socPct: m.socPct, sinceTs: m.ts, lastTs: m.ts, netWh: 0 });
    // Energy over the step at the mean of its two ends; the battery's side of it, + charging.
    this.flat.netWh += ((prev!.volts * prev!.amps + chargeW) / 2) * ((m.ts - prev!.ts) / 3_600_000);
    this.flat.lastTs = m.ts;
  }

  /** A moment could not be formed (a sensor invalid or silent): what was seen no longer holds. */
  forget(): void {
    this.excess = this.flat = this.last = undefined;
  }

  private raised(): boolean {
    return this.excess !== undefined && this.excess.lastTs - this.excess.sinceTs >= this.o.afterMs;
  }

  problems(): Array<{ sensor: string; problem: string }> {
    const out: Array<{ sensor: string; problem: string }> = [];
    const e = this.excess;
    if (e && this.raised()) {
      out.push({
        sensor: this.o.currentSensor,
        problem:
          `the battery takes in ${watts(e.chargeW)} (${round(e.amps)} A at ${round(e.volts)} V) while ${this.o.inflowSensor} gives ${watts(e.inW)}, for ${minutes(e.lastTs - e.sinceTs)}: ` +
          `${this.o.currentSensor} or ${this.o.inflowSensor} is wrong, or a charging source is not measured; the load and power's days left are not to be trusted`,
      });
    }
    const f = this.flat;
    const full = f && ((f.socPct >= 99.5 && f.netWh > 0) || (f.socPct <= 0.5 && f.netWh < 0));
    if (f && !full && Math.abs(f.netWh) >= (this.o.socStuckAfterPct / 100) * this.o.capacityWh) {
      out.push({
        sensor: this.o.socSensor,
        problem: `unchanged at ${round(f.socPct)} % for ${minutes(f.lastTs - f.sinceTs)} while ${watts(Math.abs(f.netWh), "Wh")} went ${f.netWh > 0 ? "into" : "out of"} the battery (${round((100 * Math.abs(f.netWh)) / this.o.capacityWh)} % of its capacity): stuck sensor?`,
      });
    }
    return out;
  }
}

const round = (x: number) => +x.toFixed(1);
const watts = (x: number, unit = "W") => `${Math.round(x).toLocaleString("en")} ${unit}`;
