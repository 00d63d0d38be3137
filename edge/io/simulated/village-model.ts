// A physical model of the reference village (180 people): tanks fill and drain, the battery follows
// the sun and the loads, pantry bins are drawn down at meals, greenhouse beds dry and are watered.
// Integrated in one-minute steps of simulated time; deterministic for a given start and seed.
import type { SimulatedSignal } from "../../../protocol/board/simulated-signals.ts";
import { cloudCover, dayIndex, hourOfDay, mealFactor, sunFactor, waterDemandFactor } from "./daily-profile.ts";

const STEP_MS = 60_000;

export interface VillageModelOptions {
  /** Simulated time at which the model starts, epoch ms. */
  startMs: number;
  headCount?: number;
  seed?: number;
}

interface State {
  tankNorthL: number;
  tankSouthL: number;
  cisternL: number;
  pumpOn: boolean;
  socPct: number;
  grainKg: number;
  legumesKg: number;
  oilKg: number;
  bedMoisturePct: [number, number, number, number];
}

export const villageCapacities = {
  tankLitres: 10_000,
  cisternLitres: 30_000,
  batteryAh: 400,
  batteryNominalV: 48,
  solarPeakW: 6_000,
  pumpLpm: 40,
  pumpW: 750,
} as const;

export class VillageModel {
  private readonly headCount: number;
  private nowMs: number;
  private rng: number;
  private readonly s: State = {
    tankNorthL: 7_000,
    tankSouthL: 6_500,
    cisternL: 18_000,
    pumpOn: false,
    socPct: 70,
    grainKg: 2_400,
    legumesKg: 950,
    oilKg: 240,
    bedMoisturePct: [62, 58, 66, 55],
  };
  // Derived each step, exposed as signals.
  private flowLpm = 0;
  private batteryA = 0;
  private solarW = 0;

  constructor(options: VillageModelOptions) {
    this.headCount = options.headCount ?? 180;
    this.nowMs = options.startMs;
    this.rng = options.seed ?? 1;
    this.step(0);
  }

  get timeMs(): number {
    return this.nowMs;
  }

  /** Integrates up to the given simulated time; never goes back. */
  advanceTo(simMs: number): void {
    while (this.nowMs + STEP_MS <= simMs) {
      this.nowMs += STEP_MS;
      this.step(STEP_MS);
    }
  }

  signal(name: SimulatedSignal): number {
    const s = this.s;
    const hour = hourOfDay(this.nowMs);
    const sun = sunFactor(hour);
    switch (name) {
      case "water.tankNorth.litres": return s.tankNorthL;
      case "water.tankSouth.litres": return s.tankSouthL;
      case "water.cistern.litres": return s.cisternL;
      case "water.main.flowLpm": return this.flowLpm;
      case "water.pump.running": return s.pumpOn ? 1 : 0;
      case "power.battery.volts": return 46 + (8 * s.socPct) / 100 + this.batteryA * 0.01;
      case "power.battery.amps": return this.batteryA;
      case "power.solar.watts": return this.solarW;
      case "pantry.grain.kg": return s.grainKg;
      case "pantry.legumes.kg": return s.legumesKg;
      case "pantry.oil.kg": return s.oilKg;
      case "pantry.coldStore.celsius": return 3 + 1.5 * mealFactor(hour) + 0.5 * Math.sin(hour / 3);
      case "greenhouse.air.celsius": return 11 + 16 * sun * (1 - cloudCover(dayIndex(this.nowMs)) / 2);
      case "greenhouse.air.rh": return 88 - 40 * sun;
      case "greenhouse.light.lux": return 55_000 * sun * (1 - cloudCover(dayIndex(this.nowMs)));
      case "greenhouse.bed1.moisturePct": return s.bedMoisturePct[0];
      case "greenhouse.bed2.moisturePct": return s.bedMoisturePct[1];
      case "greenhouse.bed3.moisturePct": return s.bedMoisturePct[2];
      case "greenhouse.bed4.moisturePct": return s.bedMoisturePct[3];
    }
  }

  /** Small deterministic noise for a reading, in the signal's unit. */
  noise(amplitude: number): number {
    // Park-Miller LCG: cheap, seeded, good enough for sensor jitter.
    this.rng = (this.rng * 48271) % 2147483647;
    return ((this.rng / 2147483647) * 2 - 1) * amplitude;
  }

  private step(dtMs: number): void {
    const minutes = dtMs / 60_000;
    const hour = hourOfDay(this.nowMs);
    const s = this.s;
    const people = this.headCount / 180;

    // Water: about 25 L per person per day (Sphere's 15 plus kitchen and garden).
    this.flowLpm = ((25 * this.headCount) / 1440) * waterDemandFactor(hour);
    const drawL = this.flowLpm * minutes;
    s.tankNorthL = Math.max(0, s.tankNorthL - drawL / 2);
    s.tankSouthL = Math.max(0, s.tankSouthL - drawL / 2);
    const lowest = Math.min(s.tankNorthL, s.tankSouthL) / villageCapacities.tankLitres;
    const highest = Math.max(s.tankNorthL, s.tankSouthL) / villageCapacities.tankLitres;
    if (!s.pumpOn && lowest < 0.4 && s.cisternL > 0.05 * villageCapacities.cisternLitres) s.pumpOn = true;
    if (s.pumpOn && (highest > 0.95 || s.cisternL < 0.03 * villageCapacities.cisternLitres)) s.pumpOn = false;
    if (s.pumpOn) {
      const moved = Math.min(villageCapacities.pumpLpm * minutes, s.cisternL);
      s.cisternL -= moved;
      s.tankNorthL = Math.min(villageCapacities.tankLitres, s.tankNorthL + moved / 2);
      s.tankSouthL = Math.min(villageCapacities.tankLitres, s.tankSouthL + moved / 2);
    }
    s.cisternL = Math.min(villageCapacities.cisternLitres, s.cisternL + 3.2 * minutes); // spring inflow

    // Power: a 48 V bank charged by solar, drawn by base load, kitchen at meals and the pump.
    const sun = sunFactor(hour) * (1 - cloudCover(dayIndex(this.nowMs)));
    this.solarW = villageCapacities.solarPeakW * sun;
    const loadW = 900 * people + 1_500 * mealFactor(hour) + (s.pumpOn ? villageCapacities.pumpW : 0);
    let amps = (this.solarW - loadW) / villageCapacities.batteryNominalV;
    if (s.socPct >= 100 && amps > 0) amps = 0; // charge controller curtails when full
    this.batteryA = amps;
    s.socPct = Math.min(100, Math.max(2, s.socPct + (amps * (minutes / 60) * 100) / villageCapacities.batteryAh));

    // Pantry: staples drawn down while each communal meal is cooked.
    const meal = mealFactor(hour) * minutes / 60; // three one-hour windows a day
    s.grainKg = Math.max(0, s.grainKg - 0.25 * this.headCount * meal / 3);
    s.legumesKg = Math.max(0, s.legumesKg - 0.1 * this.headCount * meal / 3);
    s.oilKg = Math.max(0, s.oilKg - 0.03 * this.headCount * meal / 3);

    // Greenhouse: beds dry by day, drip irrigation brings them back at 06:00.
    const rates = [0.35, 0.45, 0.3, 0.5];
    s.bedMoisturePct = s.bedMoisturePct.map((m, i) => {
      if (hour >= 6 && hour < 6 + minutes / 60 + 1e-9) return 68;
      return Math.max(5, m - (rates[i] * (0.3 + sunFactor(hour)) * minutes) / 60);
    }) as State["bedMoisturePct"];
  }
}
