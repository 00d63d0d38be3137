// Binds each sensor of a board definition to a johnny-five component and turns its raw value into
// a calibrated, plausibility-checked Sample.
import five from "johnny-five";
import type { BoardDefinition, SensorDefinition } from "../../protocol/board/schema.ts";
import { analogLinear, railWarning } from "../drivers/analog-linear.ts";
import { digitalLevel } from "../drivers/digital-input.ts";
import { integrateSoc, type CoulombCounterState } from "../drivers/coulomb-soc.ts";
import { checkRange, invalidSample, type Sample } from "./sample.ts";
import { soilFault, soilMoisturePct } from "../drivers/soil-moisture.ts";
import { ads1115CurrentLoop } from "../drivers/ads1115-current-loop.ts";
import { ina219 } from "../drivers/ina219.ts";
import { ina226 } from "../drivers/ina226.ts";
import { nau7802 } from "../drivers/nau7802.ts";
import { bme280 } from "../drivers/bme280.ts";
import { bh1750 } from "../drivers/bh1750.ts";
import { litresAt } from "../../protocol/board/tank-geometry.ts";
import type { I2cPlan } from "../drivers/i2c-driver.ts";
import { hasI2c, hasOneWire, hasPing, type DigitalIo } from "../io/io-plugin.ts";
import type { Instruments } from "../instruments/instruments.ts";
import { i2cChannel } from "./i2c-channel.ts";
import { oneWireChannel } from "./onewire-channel.ts";
import { echoChannel } from "./echo-channel.ts";
import { w1Channel } from "./w1-channel.ts";
import { pulseChannel } from "./pulse-channel.ts";
import { filterChain } from "./filters.ts";

export interface KeyValueStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export interface Channel {
  readonly sensor: SensorDefinition;
  read(nowMs: number, previous: ReadonlyMap<string, Sample>): Sample;
  /** A pin's channel: whether the board has reported the pin yet (a first round waits for it). */
  reported?(): boolean;
  /** Stops the channel's own polling, if it has any. */
  stop?(): void;
}

/** What channels need besides the johnny-five board: the raw IO plugin for buses, instruments. */
export interface ChannelContext {
  io: object;
  instruments: Instruments;
  kv: KeyValueStore;
  now: () => number;
  /** How often bus devices are polled; a sample is never older than this. */
  pollMs: number;
}

/**
 * How often johnny-five's Sensor emits its events, which nothing here listens to: channels read
 * the latest raw report. Each Sensor keeps a timer of this period, and its samples until then
 * (a few hundred at Firmata's 19 ms): at 1 s five sensors woke an idle agent five times a second.
 */
const SENSOR_EVENTS_MS = 5_000;

function rawOf(component: five.Sensor): number | null {
  // @types/johnny-five lacks `raw`; it is null until the first report arrives.
  const raw = (component as unknown as { raw: number | null }).raw;
  return typeof raw === "number" ? raw : null;
}

function buildChannel(board: five.Board, sensor: SensorDefinition, ctx: ChannelContext): Channel {
  const { kv } = ctx;
  const noData = (s: SensorDefinition) => invalidSample(s.id, s.unit, "no data from the board yet: check the wiring");
  switch (sensor.driver) {
    case "analog-linear": {
      const component = new five.Sensor({ pin: sensor.pin, board, freq: SENSOR_EVENTS_MS });
      const map = analogLinear(sensor.calibration);
      return {
        sensor,
        reported: () => rawOf(component) !== null,
        read() {
          const raw = rawOf(component);
          if (raw === null) return noData(sensor);
          const rail = railWarning(raw);
          if (rail) return invalidSample(sensor.id, sensor.unit, rail);
          const value = map.toValue(raw);
          return checkRange({ sensor: sensor.id, value, unit: sensor.unit, quality: "good" }, sensor.range, sensor.hint);
        },
      };
    }
    case "digital-input": {
      const component = new five.Sensor({ pin: sensor.pin, type: "digital", board, freq: SENSOR_EVENTS_MS });
      if (sensor.activeLow) enablePullUp(ctx.io, Number(sensor.pin));
      return {
        sensor,
        reported: () => rawOf(component) !== null,
        read() {
          const raw = rawOf(component);
          if (raw === null) return noData(sensor);
          return { sensor: sensor.id, value: digitalLevel(raw, sensor.activeLow), unit: "bool", quality: "good" };
        },
      };
    }
    case "coulomb-soc": {
      const key = `coulomb:${sensor.id}`;
      return {
        sensor,
        read(nowMs, previous) {
          const stored = kv.get(key);
          let state: CoulombCounterState = stored ? JSON.parse(stored) : { socPct: sensor.initialPct, atMs: nowMs };
          const current = previous.get(sensor.source);
          if (!current || current.value === null) {
            return invalidSample(sensor.id, "%", `no valid current from ${sensor.source}: the count is paused`);
          }
          state = integrateSoc(state, current.value, nowMs, sensor.capacityAh);
          kv.set(key, JSON.stringify(state));
          return checkRange({ sensor: sensor.id, value: state.socPct, unit: "%", quality: "good" }, sensor.range, sensor.hint);
        },
      };
    }
    case "soil-moisture": {
      const component = new five.Sensor({ pin: sensor.pin, board, freq: SENSOR_EVENTS_MS });
      return {
        sensor,
        reported: () => rawOf(component) !== null,
        read() {
          const raw = rawOf(component);
          if (raw === null) return noData(sensor);
          const pct = soilMoisturePct(raw, sensor.calibration);
          const fault = soilFault(pct);
          if (fault) return invalidSample(sensor.id, "%", fault);
          return checkRange({ sensor: sensor.id, value: Math.min(100, Math.max(0, pct)), unit: "%", quality: "good" }, sensor.range, sensor.hint);
        },
      };
    }
    case "ads1115-current-loop":
    case "ina219":
    case "ina226":
    case "nau7802":
    case "bme280":
    case "bh1750": {
      const io = ctx.io;
      if (!hasI2c(io)) return unsupported(sensor, "I2C");
      const { plan, config } = i2cPlanOf(sensor);
      return i2cChannel({ io, sensor, plan, config, pollMs: ctx.pollMs, now: ctx.now });
    }
    case "ds18b20":
      if (!hasOneWire(ctx.io)) return unsupported(sensor, "OneWire (ConfigurableFirmata)");
      return oneWireChannel({ io: ctx.io, sensor, pollMs: Math.max(ctx.pollMs, 1000), now: ctx.now });
    case "ds18b20-w1":
      return w1Channel({ sensor, pollMs: Math.max(ctx.pollMs, 1000), now: ctx.now });
    case "ultrasonic-level":
      if (!hasPing(ctx.io)) return unsupported(sensor, "pingRead (PingFirmata)");
      return echoChannel({ io: ctx.io, sensor, pollMs: ctx.pollMs, now: ctx.now });
    case "pulse-flow":
      return pulseChannel({ io: ctx.io as DigitalIo, sensor, kv, now: ctx.now });
    case "vedirect":
    case "sdm120":
    case "serial-scale":
      return {
        sensor,
        read() {
          try {
            return checkRange({ sensor: sensor.id, value: ctx.instruments.read(sensor), unit: sensor.unit, quality: "good" }, sensor.range, sensor.hint);
          } catch (err) {
            return invalidSample(sensor.id, sensor.unit, (err as Error).message);
          }
        },
      };
  }
}

/** An IO plugin without the bus a driver needs: every reading says so, the rest of the board works. */
function unsupported(sensor: SensorDefinition, bus: string): Channel {
  return { sensor, read: () => invalidSample(sensor.id, sensor.unit, `this board's IO plugin has no ${bus}: ${sensor.driver} cannot be read`) };
}

type I2cSensor = Extract<SensorDefinition, { bus: "i2c" }>;

function i2cPlanOf(sensor: I2cSensor): { plan: I2cPlan<never>; config: never } {
  // Each plan is typed by its own configuration; the sensor definition is that configuration.
  const pair = <C>(plan: I2cPlan<C>, config: C) => ({ plan, config }) as unknown as { plan: I2cPlan<never>; config: never };
  switch (sensor.driver) {
    case "ads1115-current-loop": {
      const base = ads1115CurrentLoop({ channel: sensor.channel, shuntOhms: sensor.shuntOhms, span: sensor.span, calibration: sensor.calibration });
      const geometry = sensor.geometry;
      const plan: I2cPlan<typeof sensor> = {
        ...base,
        convert: (bytes, constants, c) => {
          const v = base.convert(bytes, constants, c);
          return geometry ? litresAt(geometry, v) : v;
        },
      };
      return pair(plan, sensor);
    }
    case "ina219":
      return pair(ina219(sensor), sensor);
    case "ina226":
      return pair(ina226(sensor), sensor);
    case "nau7802":
      return pair(nau7802(sensor.calibration), sensor.calibration);
    case "bme280":
      return pair(bme280(sensor), sensor);
    case "bh1750":
      return pair(bh1750(), undefined);
  }
}

/**
 * A contact to ground (a float switch) reads LOW when closed and floats when open: its input needs
 * the chip's pull-up. Firmata's PIN_MODE_PULLUP where the firmware offers it; older StandardFirmata
 * builds (such as the Uno build avrgirl-arduino ships, whose capability report has no PULLUP) take
 * the AVR's own way: an input written HIGH turns its pull-up on (ATmega328P datasheet §14.2.1).
 */
function enablePullUp(io: object, pin: number): void {
  const firmata = io as { MODES?: { INPUT: number; PULLUP?: number }; pins?: Array<{ supportedModes?: number[] }>; pinMode?(pin: number, mode: number): unknown; digitalWrite?(pin: number, value: number): unknown };
  const { MODES } = firmata;
  if (MODES?.PULLUP === undefined) return; // not Firmata: a simulated or Pi-only board
  if (firmata.pins?.[pin]?.supportedModes?.includes(MODES.PULLUP)) firmata.pinMode?.(pin, MODES.PULLUP);
  else {
    firmata.pinMode?.(pin, MODES.INPUT);
    firmata.digitalWrite?.(pin, 1);
  }
}

/** Channels in declaration order, with derived sensors after the sensors they read. */
export function buildChannels(board: five.Board, def: BoardDefinition, ctx: ChannelContext): Channel[] {
  const direct = def.sensors.filter((s) => s.driver !== "coulomb-soc");
  const derived = def.sensors.filter((s) => s.driver === "coulomb-soc");
  return [...direct, ...derived].map((s) => withFilters(buildChannel(board, s, ctx)));
}

function withFilters(channel: Channel): Channel {
  const filters = channel.sensor.filters;
  if (!filters?.length) return channel;
  const chain = filterChain(filters, channel.sensor.hint);
  return { sensor: channel.sensor, stop: channel.stop, read: (nowMs, previous) => chain(channel.read(nowMs, previous), nowMs) };
}

export function sampleAll(channels: Channel[], nowMs: number): Sample[] {
  const taken = new Map<string, Sample>();
  for (const channel of channels) {
    let sample: Sample;
    try {
      sample = channel.read(nowMs, taken);
    } catch (err) {
      sample = invalidSample(channel.sensor.id, channel.sensor.unit, `driver failed: ${(err as Error).message}`);
    }
    taken.set(channel.sensor.id, sample);
  }
  return [...taken.values()];
}
