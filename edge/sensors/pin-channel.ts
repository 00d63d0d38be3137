// A sensor on one of the board's own pins, through johnny-five's Sensor: the driver turns the
// pin's latest raw report into a sample; until the board has reported the pin, no data.
import five from "johnny-five";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { invalidSample, type Sample } from "./sample.ts";
import type { Channel, ChannelContext } from "./channel.ts";

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

export function pinChannel(
  sensor: SensorDefinition & { pin: string | number },
  ctx: ChannelContext,
  o: { digital?: boolean },
  toSample: (raw: number) => Sample,
): Channel {
  const component = new five.Sensor({ pin: sensor.pin, board: ctx.board, freq: SENSOR_EVENTS_MS, ...(o.digital ? { type: "digital" } : {}) });
  return {
    sensor,
    reported: () => rawOf(component) !== null,
    read() {
      const raw = rawOf(component);
      if (raw === null) return invalidSample(sensor.id, sensor.unit, "no data from the board yet: check the wiring");
      return toSample(raw);
    },
  };
}
