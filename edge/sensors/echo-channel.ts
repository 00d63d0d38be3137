// An ultrasonic level sensor through the IO plugin's pingRead (PingFirmata): a trigger pulse, the
// echo's length in microseconds, then height over the tank floor and litres from the geometry.
import { liquidHeightM } from "../drivers/ultrasonic-level.ts";
import { litresAt } from "../../protocol/board/tank-geometry.ts";
import type { PingIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample, type Sample } from "./sample.ts";
import { Latest, pollEvery } from "./polling.ts";
import type { Channel } from "./channels.ts";

type UltrasonicSensor = Extract<SensorDefinition, { driver: "ultrasonic-level" }>;

export function echoChannel(o: { io: PingIo; sensor: UltrasonicSensor; pollMs: number; now: () => number }): Channel & { stop(): void } {
  const { io, sensor } = o;
  const latest = new Latest<number>();
  // firmata-io throws when the firmware has no ping mode (StandardFirmata instead of PingFirmata):
  // that is this sensor's problem, an invalid reading saying so, not a crash of the whole agent.
  let refused: string | undefined;
  const stop = pollEvery(o.pollMs, () => {
    try {
      io.pingRead({ pin: sensor.pin, value: 1, pulseOut: 10, timeout: 38_000 }, (micros) => latest.set(micros, o.now()));
      refused = undefined;
    } catch (err) {
      refused = (err as Error).message;
    }
  });
  return {
    sensor,
    stop,
    read(): Sample {
      if (refused) return invalidSample(sensor.id, sensor.unit, `ultrasonic sensor on pin ${sensor.pin}: the board cannot time an echo (${refused}): flash PingFirmata`);
      const micros = latest.fresh(o.now(), 3 * o.pollMs);
      if (micros === undefined) {
        return invalidSample(sensor.id, sensor.unit, `ultrasonic sensor on pin ${sensor.pin} does not answer: check its trigger/echo wire and 5 V supply`);
      }
      try {
        const heightM = liquidHeightM(micros, sensor);
        return checkRange({ sensor: sensor.id, value: litresAt(sensor.geometry, heightM), unit: "L", quality: "good" }, sensor.range, sensor.hint);
      } catch (err) {
        return invalidSample(sensor.id, sensor.unit, (err as Error).message);
      }
    },
  };
}
