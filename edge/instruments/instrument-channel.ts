// A sensor read from a serial instrument (VE.Direct, Modbus meter, serial scale): the value the
// instrument last gave, or why there is none, as the channel's sample.
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample } from "../sensors/sample.ts";
import type { Channel, ChannelContext } from "../sensors/channel.ts";

export function instrumentChannel(sensor: Extract<SensorDefinition, { port: string }>, ctx: ChannelContext): Channel {
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
