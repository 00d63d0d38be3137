// Binds each sensor of a board definition, through its driver (edge/drivers/all-drivers.ts), to a
// channel that turns the board's raw value into a calibrated, plausibility-checked Sample.
import type five from "johnny-five";
import type { BoardDefinition, SensorDefinition } from "../../protocol/board/schema.ts";
import { drivers } from "../drivers/all-drivers.ts";
import { invalidSample, type Sample } from "./sample.ts";
import type { Channel, ChannelContext, Driver } from "./channel.ts";
import { filterChain } from "./filters.ts";

export type { Channel, ChannelContext, KeyValueStore } from "./channel.ts";

function buildChannel(sensor: SensorDefinition, ctx: ChannelContext): Channel {
  // The table pairs each driver name with the driver for exactly its sensors.
  const driver = drivers[sensor.driver] as Driver<SensorDefinition["driver"]>;
  return driver(sensor as never, ctx);
}

/** Channels in declaration order, with derived sensors after the sensors they read. */
export function buildChannels(board: five.Board, def: BoardDefinition, ctx: Omit<ChannelContext, "board">): Channel[] {
  const direct = def.sensors.filter((s) => s.driver !== "coulomb-soc");
  const derived = def.sensors.filter((s) => s.driver === "coulomb-soc");
  return [...direct, ...derived].map((s) => withFilters(buildChannel(s, { ...ctx, board })));
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
