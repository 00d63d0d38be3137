// A sensor read from a serial instrument (VE.Direct, Modbus meter, serial scale): the value the
// instrument last gave, or why there is none, as the channel's sample. An instrument driver also
// says how its port is opened and how a sensor's value is read off it (InstrumentKind), so a new
// instrument is its driver file and the class that talks to its port, nothing else.
import type { Logger } from "pino";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample } from "../sensors/sample.ts";
import type { Channel, ChannelContext, Driver, SensorOf } from "../sensors/channel.ts";

export type PortSensor = Extract<SensorDefinition, { port: string }>;
export type PortDriverName = PortSensor["driver"];

/** An instrument on one serial port, opened at agent start and closed at stop. */
export interface SerialInstrument {
  start(): void;
  stop(): Promise<void>;
  /** What the instrument itself complains of, for the agent's status. */
  warnings(): string[];
}

export interface InstrumentKind<D extends PortDriverName, I extends SerialInstrument = SerialInstrument> {
  /**
   * The instrument on `port`, for the board's sensors on it (one driver per port: board
   * validation). Its module is imported here, not at the top of the driver: serialport's native
   * binding and modbus-serial cost a Pi several MB, and a board without instruments loads none.
   */
  open(port: string, sensors: SensorOf<D>[], o: { log: Logger; reopenMs?: number; pollMs?: number }): Promise<I>;
  /** The sensor's value now, in its unit; throws with what to check. */
  read(instrument: I, sensor: SensorOf<D>): number;
}

export type InstrumentDriver<D extends PortDriverName> = Driver<D> & { readonly instrument: InstrumentKind<D> };

export function instrumentChannel(sensor: PortSensor, ctx: ChannelContext): Channel {
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

/** A driver whose sensors are read off an instrument of this kind (`driver` names it, for the types). */
export function instrumentDriver<D extends PortDriverName, I extends SerialInstrument>(_driver: D, kind: InstrumentKind<D, I>): InstrumentDriver<D> {
  // SensorOf<D> is a PortSensor for every D here; TypeScript does not narrow a conditional type.
  const channel = (sensor: SensorOf<D>, ctx: ChannelContext) => instrumentChannel(sensor as PortSensor, ctx);
  // The kind's read takes its own instrument class; Instruments hands each kind only what it opened.
  return Object.assign(channel, { instrument: kind as unknown as InstrumentKind<D> });
}
