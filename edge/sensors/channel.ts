// What a driver makes of a board file's sensor: a channel the sampling round reads. Each driver
// (edge/drivers/<driver>.ts) is one definition: its conversion and its channel, listed once in
// edge/drivers/all-drivers.ts against the board file's schema (protocol/board/schema.ts).
import type five from "johnny-five";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import type { Instruments } from "../instruments/instruments.ts";
import { invalidSample, type Sample } from "./sample.ts";

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

/** What drivers bind to: the johnny-five board, its raw IO plugin for buses, instruments, state. */
export interface ChannelContext {
  board: five.Board;
  io: object;
  instruments: Instruments;
  kv: KeyValueStore;
  now: () => number;
  /** How often bus devices are polled; a sample is never older than this. */
  pollMs: number;
}

export type DriverName = SensorDefinition["driver"];
/** The board file's sensors a driver name stands for (one schema may serve two chips, e.g. INA219 and INA226). */
export type SensorOf<D extends DriverName> = SensorDefinition extends infer S ? (S extends { driver: infer X } ? (D extends X ? S & { driver: D } : never) : never) : never;

/** A driver: a board file's sensor of its kind, bound to the board, as a channel. */
export type Driver<D extends DriverName> = (sensor: SensorOf<D>, ctx: ChannelContext) => Channel;

/** An IO plugin without the bus a driver needs: every reading says so, the rest of the board works. */
export function unsupported(sensor: SensorDefinition, bus: string): Channel {
  return { sensor, read: () => invalidSample(sensor.id, sensor.unit, `this board's IO plugin has no ${bus}: ${sensor.driver} cannot be read`) };
}
