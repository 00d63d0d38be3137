// The drill's model of one village's shared stocks, advanced in simulated time, and the readings
// its boards would send. Coarser than the edge's physical model: drills run weeks for a federation.
import type { StoredReading } from "../../gateway/store/store.ts";
import type { ScenarioEvent } from "./scenario.ts";
import { dayIndex, hourOfDay, sunFactor, cloudCover } from "../../edge/io/simulated/daily-profile.ts";

const DAY_MS = 86_400_000;
/** The reference village's infrastructure is built for this many people; others scale with theirs. */
const REFERENCE_HEAD_COUNT = 180;
const WATER_CAPACITY_L = 50_000;
const WATER_USE_L_PER_PERSON_DAY = 25;
const SPRING_L_PER_DAY = 4_800;
const KCAL_PER_PERSON_DAY = 2_100;
/** Kcal share of each staple and its energy density (grain, legumes, oil). */
const STAPLES = [
  { sensor: "grain-bin", share: 0.6, kcalPerKg: 3_400 },
  { sensor: "legumes-bin", share: 0.25, kcalPerKg: 3_400 },
  { sensor: "oil-store", share: 0.15, kcalPerKg: 8_840 },
] as const;
/** Villages grow about 70 % of their calories (docs/field-numbers.md: 60-80 %); deliveries bring the rest. */
const SELF_GROWN = 0.7;
const BATTERY_WH = 19_200;
const SOLAR_WH_PER_DAY = 26_000;
const LOAD_WH_PER_DAY = 16_000;
/** A 48 V lead-acid or LFP bank between empty and full, for the current the shunt would see. */
const BATTERY_VOLTS_EMPTY = 46;
const BATTERY_VOLTS_FULL = 54;
/** The village's generator: what a litre of fuel gives (as the shipped fuel rule assumes) and its rating. */
const GENERATOR_WH_PER_L = 3_000;
const GENERATOR_W = 5_000;
/** Fuel that has arrived runs the generator while the battery is below this, and rests above it. */
const GENERATOR_UNTIL_SOC = 90;

/** Tanks, spring, solar array, battery and essential load for a head count: the reference village's, scaled. */
export function infrastructureFor(headCount: number) {
  const scale = headCount / REFERENCE_HEAD_COUNT;
  return {
    waterCapacityL: WATER_CAPACITY_L * scale,
    springLPerDay: SPRING_L_PER_DAY * scale,
    solarWhPerDay: SOLAR_WH_PER_DAY * scale,
    batteryWh: BATTERY_WH * scale,
    loadWhPerDay: LOAD_WH_PER_DAY * scale,
    generatorW: GENERATOR_W * scale,
  };
}

export class VillageStocks {
  readonly infrastructure: ReturnType<typeof infrastructureFor>;
  waterL: number;
  foodKcal: number;
  socPct: number;
  cropLossPct = 0;
  /** Generator fuel that has arrived and not yet been burnt, L. */
  fuelL = 0;
  /** The last step's charging input actually taken (solar, which a full battery curtails, and the generator) and load, W. */
  private solarW = 0;
  private loadW = 0;
  private inflowFactor = 1;
  private waterUseFactor = 1;
  private supplyFactor = 1;
  private foodUseFactor = 1;
  private solarFactor = 1;
  private loadFactor = 1;
  private leakLPerDay = 0;
  private seq = 0;

  constructor(
    readonly village: string,
    readonly headCount: number,
    initial: { waterPct: number; foodDays: number; socPct: number },
  ) {
    this.infrastructure = infrastructureFor(headCount);
    this.waterL = (initial.waterPct / 100) * this.infrastructure.waterCapacityL;
    this.foodKcal = initial.foodDays * headCount * KCAL_PER_PERSON_DAY;
    this.socPct = initial.socPct;
  }

  apply(e: ScenarioEvent): void {
    if (e.water?.lossPct !== undefined) this.waterL *= 1 - e.water.lossPct / 100;
    if (e.water?.inflowFactor !== undefined) this.inflowFactor = e.water.inflowFactor;
    if (e.water?.useFactor !== undefined) this.waterUseFactor = e.water.useFactor;
    if (e.water?.leakLitresPerDay !== undefined) this.leakLPerDay = e.water.leakLitresPerDay;
    if (e.food?.supplyFactor !== undefined) this.supplyFactor = e.food.supplyFactor;
    if (e.food?.useFactor !== undefined) this.foodUseFactor = e.food.useFactor;
    if (e.power?.solarFactor !== undefined) this.solarFactor = e.power.solarFactor;
    if (e.power?.loadFactor !== undefined) this.loadFactor = e.power.loadFactor;
    if (e.greenhouse) this.cropLossPct = e.greenhouse.cropLossPct;
    if (e.sensorFault?.fault === "none") this.faults.delete(e.sensorFault.sensor);
    else if (e.sensorFault) this.faults.set(e.sensorFault.sensor, { fault: e.sensorFault.fault, perDay: e.sensorFault.perDay ?? 0 });
  }

  /**
   * Sensors failing as a drill rehearses it; a stuck one keeps the value it had when it stuck, a
   * drifting one is off by `perDay` for every day since its first reading after the fault began.
   */
  private readonly faults = new Map<string, { fault: "stuck" | "dead" | "invalid" | "drifting"; perDay: number; frozen?: number | null; sinceMs?: number }>();

  private withFaults(readings: StoredReading[]): StoredReading[] {
    const out: StoredReading[] = [];
    for (const r of readings) {
      const f = this.faults.get(r.sensor);
      if (!f) out.push(r);
      else if (f.fault === "stuck") out.push({ ...r, value: (f.frozen ??= r.value) });
      else if (f.fault === "drifting") out.push({ ...r, value: r.value === null ? null : r.value + (f.perDay * (r.ts - (f.sinceMs ??= r.ts))) / DAY_MS });
      else if (f.fault === "invalid") out.push({ ...r, value: null, quality: "invalid", warning: "drill: sensor fault (input reads 0 counts)" });
    }
    return out;
  }

  get waterUseLPerMin(): number {
    return (this.headCount * WATER_USE_L_PER_PERSON_DAY * this.waterUseFactor) / 1440;
  }

  advance(simMs: number, dtMs: number): void {
    const days = dtMs / DAY_MS;
    const inflow = this.infrastructure.springLPerDay * this.inflowFactor * days;
    this.waterL = Math.min(this.infrastructure.waterCapacityL, Math.max(0, this.waterL - (this.waterUseLPerMin * 1440 + this.leakLPerDay) * days + inflow));
    const need = this.headCount * KCAL_PER_PERSON_DAY * days;
    const grown = need * SELF_GROWN * (1 - this.cropLossPct / 100);
    const delivered = need * (1 - SELF_GROWN) * this.supplyFactor;
    this.foodKcal = Math.max(0, this.foodKcal - need * this.foodUseFactor + grown + delivered);
    // Solar follows the day's sun curve; its daily total is the array's solarWhPerDay on a clear day.
    const hour = hourOfDay(simMs);
    const solarW = ((this.infrastructure.solarWhPerDay * Math.PI) / 24) * sunFactor(hour) * (1 - cloudCover(dayIndex(simMs)) / 2) * this.solarFactor;
    const loadW = (this.infrastructure.loadWhPerDay / 24) * this.loadFactor;
    // Fuel that arrived is burnt at the generator's rating while the battery is low.
    const hours = dtMs / 3_600_000;
    const generatorW = this.fuelL > 0 && this.socPct < GENERATOR_UNTIL_SOC ? Math.min(this.infrastructure.generatorW, (this.fuelL * GENERATOR_WH_PER_L) / hours) : 0;
    this.fuelL = Math.max(0, this.fuelL - (generatorW * hours) / GENERATOR_WH_PER_L);
    const next = Math.min(100, Math.max(0, this.socPct + (((solarW + generatorW - loadW) * dtMs) / 3_600_000 / this.infrastructure.batteryWh) * 100));
    // What the battery really took or gave; a full battery curtails the array, an empty one sheds load.
    const intoBatteryW = ((next - this.socPct) / 100) * this.infrastructure.batteryWh * (3_600_000 / dtMs);
    // The charger's input meter (a hybrid inverter's) sees the generator as well as the array.
    this.solarW = generatorW + (next >= 100 ? Math.min(solarW, loadW + Math.max(0, intoBatteryW)) : solarW);
    this.loadW = this.solarW - intoBatteryW;
    this.socPct = next;
  }

  /** Moves stock into or out of the village (a transfer arriving or leaving); fuel in L. */
  transfer(resource: "water" | "food" | "fuel", amount: number): void {
    if (resource === "water") this.waterL = Math.min(this.infrastructure.waterCapacityL, Math.max(0, this.waterL + amount));
    else if (resource === "fuel") this.fuelL = Math.max(0, this.fuelL + amount);
    else this.foodKcal = Math.max(0, this.foodKcal + amount);
  }

  /** A loaned inverter-charger is connected: the array's input reaches the battery as on a sound day. */
  chargerLent(): void {
    this.solarFactor = Math.max(this.solarFactor, 1);
  }

  /** + charging, at the bank's voltage now. */
  private get batteryAmps(): number {
    const volts = BATTERY_VOLTS_EMPTY + (this.socPct / 100) * (BATTERY_VOLTS_FULL - BATTERY_VOLTS_EMPTY);
    return (this.solarW - this.loadW) / volts;
  }

  /** What the reference boards would report now. */
  readings(tsMs: number): StoredReading[] {
    const r = (device: string, sensor: string, value: number, unit: StoredReading["unit"]): StoredReading => ({
      device, seq: ++this.seq, sensor, value, unit, quality: "good", ts: tsMs, clock: "synced",
    });
    return this.withFaults([
      r("water-main", "tank-north-level", this.waterL * 0.2, "L"),
      r("water-main", "tank-south-level", this.waterL * 0.2, "L"),
      r("water-main", "cistern-level", this.waterL * 0.6, "L"),
      r("water-main", "main-flow", this.waterUseLPerMin, "L/min"),
      ...STAPLES.map((s) => r("pantry-main", s.sensor, (this.foodKcal * s.share) / s.kcalPerKg, "kg")),
      r("power-main", "battery-soc", this.socPct, "%"),
      r("power-main", "battery-voltage", BATTERY_VOLTS_EMPTY + (this.socPct / 100) * (BATTERY_VOLTS_FULL - BATTERY_VOLTS_EMPTY), "V"),
      r("power-main", "battery-current", this.batteryAmps, "A"),
      r("power-main", "solar-power", this.solarW, "W"),
    ]);
  }
}
