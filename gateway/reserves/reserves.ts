// Reserves: per domain, the stock in real units, consumption and inflow measured over a trailing
// window, and days left for the village's head count: as if inflows stopped, with the inflow seen,
// and at the norm. Figures built on a stale or invalid sensor are marked uncertain and name that
// sensor; a days-left that has no end (nothing drawn, or inflow covering the draw) is missing with
// its reason, never a large number standing in for "for ever".
import type { GatewayConfig, Norms } from "../config/schema.ts";
import type { Bus } from "../bus.ts";
import type { Store, StoredReading } from "../store/store.ts";
import type { DeviceRegistry } from "../ingest/device-registry.ts";
import { sameBucket, StockHistory } from "./stock-history.ts";
import { figure, type Figure, type Figures } from "./figures.ts";
import { countSensorOf } from "../pantry/counts.ts";
import { StuckSensors } from "./stuck-sensors.ts";
import { ScaleChecks } from "./scale-checks.ts";
import { PowerPlausibility } from "./power-plausibility.ts";
import { RESERVE_FIGURES_DEVICE } from "./reserve-history.ts";
import { noFederationFigures } from "../federation/uncovered-needs.ts";

/** The reference village's plumbing: the main draws from both tanks, the pump empties the cistern. */
const REFERENCE_CHANGES_WHILE: Record<string, string> = { "tank-north-level": "main-flow", "tank-south-level": "main-flow", "cistern-level": "pump-running" };

const DAY_MS = 86_400_000;

/** Less history than this and measured rates are not trusted; the norm-based figure stands in. */
const MIN_HISTORY_MS = 60 * 60_000;
/** The water balance (stock against meter) needs this much history before it names a loss. */
const LOSS_CHECK_HISTORY_MS = 6 * 3_600_000;

interface Latest {
  value: number | null;
  tsMs: number;
  quality: StoredReading["quality"];
  warning?: string;
}

type Domain = "water" | "power" | "food";

export interface ReservesOptions {
  config: GatewayConfig;
  bus: Bus;
  /** Where the trailing window is rebuilt from at start; drills run without one. */
  store?: Store;
  registry: DeviceRegistry;
  now?: () => number;
}

export class Reserves {
  private readonly o: ReservesOptions;
  private readonly latest = new Map<string, Latest>();
  private readonly history: Record<Domain, StockHistory>;
  /** Sensors that are kitchens' hand counts: they stand for days, not minutes. */
  private readonly countSensors = new Set<string>();
  /** Which domain's stock each sensor counts towards. */
  private readonly domains = new Map<string, Domain>();
  private readonly waterFlow: StockHistory;
  /** Figures of the federation link's, set by the gateway where it has one; missing otherwise. */
  federationFigures: (() => Figures) | undefined;
  private readonly stuck: StuckSensors;
  private readonly scales: ScaleChecks;
  /** A staple's hand-count sensor -> the scale that weighs it. */
  private readonly scaleOfCount = new Map<string, string>();
  private readonly powerChecks: PowerPlausibility;
  /** Water leaving the stock that the main's meter did not count, L/day; null until known. */
  private unmeteredPerDay: number | null = null;
  /** Sensors behind a reserve figure, for the count of those in trouble. */
  private readonly reserveSensors = new Set<string>();
  /** The power system's load and charging input, W: power's use and inflow, measured directly. */
  private readonly powerLoad: StockHistory;
  private readonly powerInflow: StockHistory;
  private readonly assessments = new Map<string, { value: number; tsMs: number }>();
  /** The charging input: when it was first heard, and last read at or above `chargeSeenW`. */
  private readonly charge = { firstTs: Infinity, lastSeenTs: -Infinity };
  private headCount: number;
  private norms: Norms;
  private unsubscribe: (() => void) | undefined;

  constructor(options: ReservesOptions) {
    this.o = options;
    const windowMs = options.config.reserves.windowHours * 3_600_000;
    this.history = { water: new StockHistory(windowMs), power: new StockHistory(windowMs), food: new StockHistory(windowMs) };
    this.waterFlow = new StockHistory(windowMs);
    this.powerLoad = new StockHistory(windowMs);
    this.powerInflow = new StockHistory(windowMs);
    this.headCount = options.config.village.headCount;
    this.norms = { ...options.config.norms };
    const { reserves } = options.config;
    // Set in reverse order of precedence: a sensor named twice counts as water, then power.
    for (const staple of reserves.food.staples) {
      if (staple.sensor) this.domains.set(staple.sensor, "food");
      this.domains.set(countSensorOf(staple.name), "food");
      this.countSensors.add(countSensorOf(staple.name));
    }
    this.domains.set(reserves.power.socSensor, "power");
    for (const sensor of reserves.water.sensors) this.domains.set(sensor, "water");
    for (const sensor of this.domains.keys()) if (!this.countSensors.has(sensor)) this.reserveSensors.add(sensor);
    const declared = new Set(options.registry.allSensors().map((x) => x.sensor));
    const changesWhile =
      reserves.water.changesWhile ??
      Object.fromEntries(Object.entries(REFERENCE_CHANGES_WHILE).filter(([level, mover]) => reserves.water.sensors.includes(level) && declared.has(mover)));
    this.stuck = new StuckSensors(changesWhile, reserves.water.stuckAfterMinutes * 60_000, reserves.water.tankCapacityLitres);
    const { scaleChecks } = reserves.food;
    for (const staple of reserves.food.staples) if (staple.sensor) this.scaleOfCount.set(countSensorOf(staple.name), staple.sensor);
    this.scales = new ScaleChecks({
      scales: [...this.scaleOfCount.values()], unconfirmedAfterMs: scaleChecks.unconfirmedAfterHours * 3_600_000, driftWindowMs: scaleChecks.driftWindowHours * 3_600_000,
      driftShare: scaleChecks.driftShare, driftMinKg: scaleChecks.driftMinKg, stepKg: scaleChecks.stepKg,
      usualKgPerDay: Object.fromEntries(reserves.food.staples.flatMap((s) => (s.sensor && s.usualDailyKg ? [[s.sensor, s.usualDailyKg]] : []))),
      useWindowMs: scaleChecks.useWindowHours * 3_600_000, useBelowShare: scaleChecks.useBelowShare,
    });
    const { power } = reserves;
    this.powerChecks = new PowerPlausibility({
      currentSensor: power.currentSensor, inflowSensor: power.inflowSensor, socSensor: power.socSensor,
      capacityWh: power.capacityWh, afterMs: power.implausibleAfterMinutes * 60_000, socStuckAfterPct: power.socStuckAfterPct,
    });
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Rebuilds the trailing window from the store, so a restart does not forget consumption. */
  async start(): Promise<void> {
    const toMs = this.now();
    const fromMs = toMs - this.o.config.reserves.windowHours * 3_600_000;
    const sensors = this.o.registry.allSensors().map((s) => s.sensor);
    const rows: StoredReading[] = [];
    for (const sensor of this.o.store ? sensors : []) {
      try {
        rows.push(...(await this.o.store!.query({ sensor, fromMs, toMs, limit: 100_000 })));
      } catch {
        break; // store down at start: the window fills from live readings instead
      }
    }
    rows.sort((a, b) => a.ts - b.ts);
    this.ingest(rows);
    this.unsubscribe = this.o.bus.on("readings", (readings) => this.ingest(readings));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
  }

  setHeadCount(headCount: number): void {
    this.headCount = headCount;
  }

  /** A norm the village agreed on in assembly, changed from its configured value. */
  setNorm(name: keyof Norms, value: number): void {
    this.norms = { ...this.norms, [name]: value };
  }

  /** The head count and norms in force now. */
  village(): { id: string; headCount: number; norms: Norms } {
    return { id: this.o.config.village.id, headCount: this.headCount, norms: this.norms };
  }

  /** An assessment entered by people, e.g. the food team's crop loss estimate after a storm. */
  assess(name: "greenhouse.cropLossPct", value: number, tsMs = this.now()): void {
    this.assessments.set(name, { value, tsMs });
  }

  ingest(readings: readonly StoredReading[]): void {
    // A domain's total is sampled once per batch (per 10-minute bucket during a replay), not per
    // reading: a batch is one sampling round, and the gateway's ingest loop stays cheap.
    const touched = new Map<Domain, number>();
    const { power } = this.o.config.reserves;
    let powerFlowTs: number | undefined;
    for (const r of readings) {
      // The figures kept as history are this module's own output, not sensors behind a figure.
      if (r.device === RESERVE_FIGURES_DEVICE) continue;
      const prev = this.latest.get(r.sensor);
      if (prev && prev.tsMs > r.ts) continue; // an older replayed reading is history, not "latest"
      // Updated in place, not a new object per reading: this runs for every reading the village takes.
      if (prev) {
        prev.value = r.value;
        prev.tsMs = r.ts;
        prev.quality = r.quality;
        prev.warning = r.warning;
      } else this.latest.set(r.sensor, { value: r.value, tsMs: r.ts, quality: r.quality, warning: r.warning });
      this.stuck.observe(r);
      this.scales.observe(r);
      const weighed = this.scaleOfCount.get(r.sensor);
      if (weighed && r.value !== null) this.scales.counted(weighed, r.ts);
      if (r.sensor === this.o.config.reserves.water.flowSensor && r.value !== null) this.waterFlow.add(r.ts, r.value);
      if (r.sensor === power.inflowSensor) {
        this.charge.firstTs = Math.min(this.charge.firstTs, r.ts);
        if (r.quality === "good" && r.value !== null && r.value >= power.chargeSeenW) this.charge.lastSeenTs = Math.max(this.charge.lastSeenTs, r.ts);
      }
      if (r.sensor === power.currentSensor || r.sensor === power.voltageSensor || r.sensor === power.inflowSensor) {
        if (powerFlowTs !== undefined && !sameBucket(powerFlowTs, r.ts)) this.samplePowerFlow(powerFlowTs);
        powerFlowTs = r.ts;
      }
      const domain = this.domains.get(r.sensor);
      if (!domain) continue;
      const pendingTs = touched.get(domain);
      if (pendingTs !== undefined && !sameBucket(pendingTs, r.ts)) this.sampleTotal(domain, pendingTs);
      touched.set(domain, r.ts);
    }
    for (const [domain, ts] of touched) this.sampleTotal(domain, ts);
    if (powerFlowTs !== undefined) this.samplePowerFlow(powerFlowTs);
  }

  /** Load = charging input - what goes into the battery (V x I, + charging): both sides measured. */
  private samplePowerFlow(ts: number): void {
    const { power } = this.o.config.reserves;
    const value = (sensor: string | undefined) => {
      const l = sensor === undefined ? undefined : this.latest.get(sensor);
      // Readings of one round arrive within seconds; older ones would mix two moments.
      return l && l.value !== null && l.quality === "good" && Math.abs(ts - l.tsMs) < 60_000 ? l.value : undefined;
    };
    const [volts, amps, inW] = [value(power.voltageSensor), value(power.currentSensor), value(power.inflowSensor)];
    if (volts === undefined || amps === undefined || (power.inflowSensor && inW === undefined)) return this.powerChecks.forget();
    this.powerChecks.observe({ ts, volts, amps, inW, socPct: value(power.socSensor) });
    if (inW === undefined) return;
    this.powerInflow.add(ts, Math.max(0, inW));
    this.powerLoad.add(ts, Math.max(0, inW - volts * amps));
  }

  private sampleTotal(domain: Domain, ts: number): void {
    const total = this.total(domain);
    if (total !== undefined) this.history[domain].add(ts, total);
  }

  figures(): Figures {
    const nowMs = this.now();
    const { config } = this.o;
    const { reserves } = config;
    const norms = this.norms;
    const f: Figures = { "village.headCount": figure(this.headCount, "people") };

    // Water
    const water = this.sum(reserves.water.sensors, nowMs);
    const waterNeed = this.headCount * norms.waterLitresPerPersonDay;
    f["water.stockLitres"] = figure(water.value, "L", water.reasons);
    f["water.pct"] = figure(water.value === null ? null : (100 * water.value) / reserves.water.capacityLitres, "%", water.reasons);
    f["water.dailyNeedLitres"] = figure(waterNeed, "L/day");
    f["water.targetDays"] = figure(reserves.water.targetDays, "days");
    Object.assign(f, this.daysLeft("water", water, waterNeed, "L", "Litres"));
    f["water.unmeteredLossPerDay"] =
      this.unmeteredPerDay === null
        ? figure(null, "L/day", [reserves.water.flowSensor ? "less than 6 h of history with the main's meter" : "no flow meter on the main"])
        : figure(this.unmeteredPerDay, "L/day");
    // Each tank: how full, and how long it alone would last the village at the norm.
    for (const tank of reserves.water.sensors) {
      const t = this.sum([tank], nowMs);
      const capacity = reserves.water.tankCapacityLitres[tank];
      f[`water.tank.${tank}.litres`] = figure(t.value, "L", t.reasons);
      if (capacity) f[`water.tank.${tank}.pct`] = figure(t.value === null ? null : (100 * t.value) / capacity, "%", t.reasons);
      f[`water.tank.${tank}.daysLeftNorm`] = figure(t.value === null ? null : t.value / waterNeed, "days", t.reasons);
    }

    // Power: stored energy from state of charge
    const soc = this.sum([reserves.power.socSensor], nowMs);
    const powerProblems = this.powerChecks.problems();
    soc.reasons.push(...powerProblems.map((p) => `${p.sensor}: ${p.problem}`));
    const storedWh = soc.value === null ? null : (soc.value / 100) * reserves.power.capacityWh;
    f["power.socPct"] = figure(soc.value, "%", soc.reasons);
    f["power.storedWh"] = figure(storedWh, "Wh", soc.reasons);
    f["power.capacityWh"] = figure(reserves.power.capacityWh, "Wh");
    f["power.dailyNeedWh"] = figure(norms.baselineWhPerDay, "Wh/day");
    f["power.targetDays"] = figure(reserves.power.targetDays, "days");
    Object.assign(f, this.daysLeft("power", { value: storedWh, reasons: soc.reasons }, norms.baselineWhPerDay, "Wh", "Wh"));
    f["power.hoursWithoutCharge"] = this.hoursWithoutCharge(nowMs);

    // Food: kcal across staples
    let kcal = 0;
    const foodReasons: string[] = [];
    let foodKnown = true;
    for (const staple of reserves.food.staples) {
      const s = this.sum([this.stapleSource(staple, nowMs)], nowMs);
      const disagreement = this.countAgainstScale(staple, nowMs);
      if (disagreement) s.reasons.push(disagreement);
      f[`food.${staple.name}.kg`] = figure(s.value, "kg", s.reasons);
      foodReasons.push(...s.reasons);
      if (s.value === null) foodKnown = false;
      else kcal += s.value * staple.kcalPerKg;
    }
    const foodNeed = this.headCount * norms.foodKcalPerPersonDay;
    f["food.kcal"] = figure(foodKnown ? kcal : null, "kcal", foodReasons);
    f["food.dailyNeedKcal"] = figure(foodNeed, "kcal/day");
    f["food.targetDays"] = figure(reserves.food.targetDays, "days");
    Object.assign(f, this.daysLeft("food", { value: foodKnown ? kcal : null, reasons: foodReasons }, foodNeed, "kcal", "Kcal"));

    // Greenhouse: the food team's assessment, and the beds' soil moisture as the sensors see it
    f["greenhouse.cropLossPct"] = figure(this.assessments.get("greenhouse.cropLossPct")?.value ?? 0, "%");
    const beds = this.o.registry.allSensors().filter((s) => s.domain === "greenhouse" && s.unit === "%");
    const bedValues: number[] = [];
    const bedReasons: string[] = [];
    for (const bed of beds) {
      const b = this.sum([bed.sensor], nowMs);
      f[`greenhouse.${bed.sensor}`] = figure(b.value, "%", b.reasons);
      if (b.value !== null) bedValues.push(b.value);
      bedReasons.push(...b.reasons);
    }
    if (beds.length) {
      f["greenhouse.driestBedPct"] = figure(bedValues.length ? Math.min(...bedValues) : null, "%", bedReasons);
      f["greenhouse.bedsBelow20Pct"] = figure(bedValues.filter((v) => v < 20).length, "beds", bedReasons);
    }

    // Sensors behind the reserve figures that are invalid, silent, stuck or at odds with another: a rule on this count
    // (with its `for`) raises the alert; the reasons name each sensor.
    // The power checks' problems always concern power's figures, whichever sensor they name.
    const trouble = [...this.eachSensorsTrouble(nowMs).filter((t) => this.reserveSensors.has(t.sensor)), ...powerProblems];
    const unheard = [...this.reserveSensors].filter((sensor) => !this.latest.has(sensor));
    f["sensors.reserveInTrouble"] = figure(trouble.length, "sensors", [...trouble.map((t) => `${t.sensor}: ${t.problem}`), ...unheard.map((x) => `${x}: no reading yet`)]);

    // Silence of every sensor, for deadman rules
    for (const s of this.o.registry.allSensors()) {
      const latest = this.latest.get(s.sensor);
      f[`sensor.${s.sensor}.silentMinutes`] = figure(latest ? (nowMs - latest.tsMs) / 60_000 : null, "min");
    }
    // What the village's federation link knows (gateway/federation/uncovered-needs.ts), beside the stocks.
    Object.assign(f, this.federationFigures?.() ?? noFederationFigures());
    return f;
  }

  /**
   * Hours since the charging input last showed the battery being charged: past a day, no sun or
   * generator reached the battery (a failed inverter-charger, cut array wiring), however cloudy.
   * Counted from the first reading where none has shown charge yet, and said so.
   */
  private hoursWithoutCharge(nowMs: number): Figure {
    const { inflowSensor, chargeSeenW } = this.o.config.reserves.power;
    if (!inflowSensor) return figure(null, "h", ["no charging input sensor configured"]);
    if (this.charge.firstTs === Infinity) return figure(null, "h", [`${inflowSensor}: no reading yet`]);
    const trouble = this.sum([inflowSensor], nowMs).reasons;
    if (this.charge.lastSeenTs === -Infinity) return figure((nowMs - this.charge.firstTs) / 3_600_000, "h", [...trouble, `no charge of ${chargeSeenW} W or more seen since readings began: at least this long`]);
    return figure((nowMs - this.charge.lastSeenTs) / 3_600_000, "h", trouble);
  }

  /** Every figure name rules may use, for validating trigger files before any reading exists. */
  figureNames(): string[] {
    return Object.keys(this.figures());
  }

  /**
   * Days left three ways: `daysLeft` as if inflows stopped (the conservative reading in a crisis:
   * springs and routes fail), `daysLeftWithInflow` with the inflow seen over the window, and
   * `daysLeftNorm` at the agreed norm. `dailyUse<Unit>` is the draw behind `daysLeft` (measured, or
   * the norm while history is short), so a request sized on it is the one that clears a rule
   * written on `daysLeft`.
   */
  private daysLeft(domain: Domain, stock: { value: number | null; reasons: string[] }, normPerDay: number, unit: string, name: string): Figures {
    const out: Figures = {};
    const days = (perDay: number, why: string): Figure =>
      stock.value === null ? figure(null, "days", stock.reasons) : perDay > 0 ? figure(stock.value / perDay, "days", stock.reasons) : figure(null, "days", [...stock.reasons, why]);
    out[`${domain}.daysLeftNorm`] = days(normPerDay, "no norm set");
    const rates = this.ratesOf(domain);
    if (!rates || rates.spanMs < MIN_HISTORY_MS) {
      const short = "less than 1 h of history: norm-based figure used";
      out[`${domain}.consumptionPerDay`] = figure(null, `${unit}/day`, ["less than 1 h of history"]);
      out[`${domain}.inflowPerDay`] = figure(null, `${unit}/day`, ["less than 1 h of history"]);
      out[`${domain}.dailyUse${name}`] = figure(normPerDay, `${unit}/day`, [short]);
      out[`${domain}.daysLeft`] = stock.value === null ? figure(null, "days", stock.reasons) : figure(stock.value / normPerDay, "days", [...stock.reasons, short]);
      out[`${domain}.daysLeftWithInflow`] = figure(null, "days", ["less than 1 h of history"]);
      return out;
    }
    const unmetered = "unmetered" in rates && rates.unmetered ? [rates.unmetered] : [];
    out[`${domain}.consumptionPerDay`] = figure(rates.consumptionPerDay, `${unit}/day`, unmetered);
    out[`${domain}.inflowPerDay`] = figure(rates.inflowPerDay, `${unit}/day`);
    out[`${domain}.dailyUse${name}`] = figure(rates.consumptionPerDay, `${unit}/day`, unmetered);
    if (unmetered.length) stock = { ...stock, reasons: [...stock.reasons, ...unmetered] };
    out[`${domain}.daysLeft`] = days(rates.consumptionPerDay, "nothing drawn in the window: no end in sight");
    // The sun comes and goes within a day: power's inflow is only known over a whole one.
    if (domain === "power" && rates.spanMs < DAY_MS * 0.99) out[`${domain}.daysLeftWithInflow`] = figure(null, "days", ["less than a day of history: the sun's inflow is not known yet"]);
    else out[`${domain}.daysLeftWithInflow`] = days(rates.consumptionPerDay - rates.inflowPerDay, "inflow covers the draw: the stock is not falling");
    return out;
  }

  /** Water with a flow meter: consumption is what flows out, inflow is the rest of the change. */
  private ratesOf(domain: Domain) {
    const stock = this.history[domain].rates();
    if (domain === "power") {
      // Load and charging measured directly: a charging battery's stock rises all day, and its
      // falls alone would make the draw look like nothing.
      const load = this.powerLoad.rates();
      const inflow = this.powerInflow.rates();
      if (!load || !inflow || load.spanMs < MIN_HISTORY_MS) return stock;
      return { ...(stock ?? { removedPerDay: 0, netChangePerDay: 0 }), consumptionPerDay: load.mean * 24, inflowPerDay: inflow.mean * 24, spanMs: load.spanMs, mean: load.mean };
    }
    const { water } = this.o.config.reserves;
    if (domain !== "water" || !water.flowSensor) return stock;
    this.unmeteredPerDay = null;
    const flow = this.waterFlow.rates();
    if (!stock || !flow || flow.spanMs < MIN_HISTORY_MS) return stock;
    const drawnPerDay = flow.mean * 1440;
    // The stock falling faster than the meter draws (spring inflow would only hide some of it) is
    // water leaving unmetered: a leak before the meter, or a level sensor drifting down. Days left
    // go by the stock's real fall, and say why.
    const unmeteredPerDay = -(drawnPerDay + stock.removedPerDay + stock.netChangePerDay);
    this.unmeteredPerDay = stock.spanMs >= LOSS_CHECK_HISTORY_MS ? Math.max(0, unmeteredPerDay) : null;
    const unmetered =
      stock.spanMs >= LOSS_CHECK_HISTORY_MS && unmeteredPerDay > Math.max(0.2 * drawnPerDay, 0.01 * water.capacityLitres)
        ? `the stock fell by ${litres(unmeteredPerDay)}/day more than ${water.flowSensor} measured over the last ${Math.round(stock.spanMs / 3_600_000)} h: a leak before the meter or a level sensor drifting down; days left go by the stock's fall`
        : undefined;
    const consumptionPerDay = drawnPerDay + (unmetered ? unmeteredPerDay : 0);
    return { ...stock, consumptionPerDay, inflowPerDay: Math.max(0, consumptionPerDay + stock.removedPerDay + stock.netChangePerDay), unmetered };
  }

  /** How old a sensor's reading may be before it is stale: days for a hand count, minutes otherwise. */
  staleAfterMs(sensor: string): number {
    const { staleAfterMinutes, food } = this.o.config.reserves;
    return this.countSensors.has(sensor) ? food.countStaleAfterDays * 86_400_000 : staleAfterMinutes * 60_000;
  }

  /** Every sensor heard from whose latest reading is invalid, older than its stale time or stuck, and the power checks' problems. */
  sensorTrouble(nowMs: number): Array<{ sensor: string; problem: string }> {
    return [...this.eachSensorsTrouble(nowMs), ...this.powerChecks.problems()];
  }

  private eachSensorsTrouble(nowMs: number): Array<{ sensor: string; problem: string }> {
    const out: Array<{ sensor: string; problem: string }> = [];
    for (const [sensor, l] of this.latest) {
      const staleMs = this.staleAfterMs(sensor);
      const stuck = this.stuck.stuck(sensor) ?? this.scales.drift(sensor) ?? this.scales.underUsed(sensor);
      if (l.quality === "invalid" || l.value === null) out.push({ sensor, problem: `invalid${l.warning ? ` (${l.warning})` : ""}` });
      else if (nowMs - l.tsMs > staleMs) out.push({ sensor, problem: `silent for ${silentFor(nowMs - l.tsMs)}` });
      else if (stuck) out.push({ sensor, problem: stuck });
    }
    return out;
  }

  private sum(sensors: readonly string[], nowMs: number): { value: number | null; reasons: string[] } {
    const reasons: string[] = [];
    let total = 0;
    let known = true;
    for (const sensor of sensors) {
      const staleMs = this.staleAfterMs(sensor);
      const l = this.latest.get(sensor);
      if (!l) {
        reasons.push(`${sensor}: no reading yet`);
        known = false;
      } else if (l.quality === "invalid" || l.value === null) {
        reasons.push(`${sensor}: invalid${l.warning ? ` (${l.warning})` : ""}`);
        known = false;
      } else {
        if (nowMs - l.tsMs > staleMs) reasons.push(`${sensor}: silent for ${silentFor(nowMs - l.tsMs)}`);
        const stuck = this.stuck.stuck(sensor) ?? this.scales.drift(sensor) ?? this.scales.underUsed(sensor) ?? this.scales.unconfirmed(sensor);
        if (stuck) reasons.push(`${sensor}: ${stuck}`);
        total += l.value;
      }
    }
    return { value: known ? total : null, reasons };
  }

  private total(domain: Domain): number | undefined {
    const { reserves } = this.o.config;
    const values = (sensors: string[], weights?: number[]) => {
      let t = 0;
      for (let i = 0; i < sensors.length; i++) {
        const l = this.latest.get(sensors[i]);
        if (!l || l.value === null) return undefined;
        t += l.value * (weights?.[i] ?? 1);
      }
      return t;
    };
    if (domain === "water") return values(reserves.water.sensors);
    if (domain === "power") {
      const soc = values([reserves.power.socSensor]);
      return soc === undefined ? undefined : (soc / 100) * reserves.power.capacityWh;
    }
    const nowMs = this.now();
    return values(reserves.food.staples.map((s) => this.stapleSource(s, nowMs)), reserves.food.staples.map((s) => s.kcalPerKg));
  }

  /**
   * Where a staple's figure comes from: a hand count while it holds (food.countHoldsHours after it
   * was taken), otherwise the newer of the count and the scale.
   */
  private stapleSource(staple: { sensor?: string; name: string }, nowMs: number): string {
    const count = countSensorOf(staple.name);
    if (!staple.sensor) return count;
    const counted = this.latest.get(count);
    const sensed = this.latest.get(staple.sensor);
    if (counted && nowMs - counted.tsMs < this.o.config.reserves.food.countHoldsHours * 3_600_000) return count;
    return counted && (!sensed || counted.tsMs > sensed.tsMs) ? count : staple.sensor;
  }

  /** A standing hand count the scale disagrees with by more than 5 %: say so, naming both. */
  private countAgainstScale(staple: { sensor?: string; name: string }, nowMs: number): string | undefined {
    if (!staple.sensor || this.stapleSource(staple, nowMs) !== countSensorOf(staple.name)) return undefined;
    const counted = this.latest.get(countSensorOf(staple.name));
    const sensed = this.latest.get(staple.sensor);
    if (!counted?.value || !sensed || sensed.value === null || sensed.quality !== "good" || sensed.tsMs <= counted.tsMs) return undefined;
    if (Math.abs(sensed.value - counted.value) <= 0.05 * counted.value) return undefined;
    return `${staple.name}: counted ${counted.value} kg ${silentFor(nowMs - counted.tsMs)} ago, the scale (${staple.sensor}) reads ${+sensed.value.toFixed(1)} kg since: the count stands; check the scale`;
  }

}

export type { Figure, Figures };

/** A silence in words a volunteer reads at a glance: "40 s", "17 min", "3 h". */
const litres = (x: number) => `${Math.round(x).toLocaleString("en")} L`;

function silentFor(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
