// Ultrasonic level sensor looking down into a tank: HC-SR04 indoors, the waterproof JSN-SR04T in
// a cistern. Both answer a trigger with an echo pulse as long as the sound's round trip (HC-SR04
// datasheet: distance = echo time x speed of sound / 2; uS / 58 = cm at 20 °C). Speed of sound in
// air: 331.3 + 0.606 x T m/s. JSN-SR04T cannot see closer than about 20 cm (its blind zone), and
// no echo at all comes back as a timeout (0 or the maximum pulse).
import { litresAt } from "../../protocol/board/tank-geometry.ts";
import { hasPing, type PingIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample, type Sample } from "../sensors/sample.ts";
import { Latest, pollEvery } from "../sensors/polling.ts";
import { unsupported, type Channel, type Driver } from "../sensors/channel.ts";

export interface UltrasonicConfig {
  /** Distance from the sensor face to the tank floor, metres. */
  mountHeightM: number;
  /** Closest distance the sensor can measure (blind zone), metres. */
  minDistanceM: number;
  /** Air temperature in the tank, for the speed of sound. */
  airCelsius: number;
}

export function echoDistanceM(echoMicros: number, airCelsius: number): number {
  const speed = 331.3 + 0.606 * airCelsius;
  return (echoMicros * 1e-6 * speed) / 2;
}

/** Liquid height above the floor, metres; throws with what to check when the echo is implausible. */
export function liquidHeightM(echoMicros: number, c: UltrasonicConfig): number {
  if (!(echoMicros > 0)) throw new Error("no echo: check the transducer cable, or foam and condensation on its face");
  const d = echoDistanceM(echoMicros, c.airCelsius);
  if (d < c.minDistanceM) throw new Error(`echo at ${d.toFixed(2)} m is inside the blind zone: the tank is overfull or something sits under the sensor`);
  if (d > c.mountHeightM + 0.1) throw new Error(`echo at ${d.toFixed(2)} m is below the tank floor: the sensor hears a side wall or a ladder, realign it`);
  return Math.max(0, c.mountHeightM - d);
}

export const ultrasonicLevelDriver: Driver<"ultrasonic-level"> = (sensor, ctx) =>
  hasPing(ctx.io) ? echoChannel({ io: ctx.io, sensor, pollMs: ctx.pollMs, now: ctx.now }) : unsupported(sensor, "pingRead (PingFirmata)");

type UltrasonicSensor = Extract<SensorDefinition, { driver: "ultrasonic-level" }>;

/**
 * Through the IO plugin's pingRead (PingFirmata): a trigger pulse on its own timer, the echo's length
 * in microseconds, then height over the tank floor and litres from the geometry.
 */
function echoChannel(o: { io: PingIo; sensor: UltrasonicSensor; pollMs: number; now: () => number }): Channel & { stop(): void } {
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
