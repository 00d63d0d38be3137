// Binds an I2C driver's plan to the bus of the board's IO plugin: sets the chip up, reads its
// constants once, then polls its sample block on a timer of its own so that a sample is never
// older than one poll. A chip that stops answering makes its readings invalid with what to check,
// and is set up again when it answers once more (a chip that lost power forgets its settings).
import type { I2cPlan } from "../drivers/i2c-driver.ts";
import type { I2cIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../board/schema.ts";
import { checkRange, invalidSample, type Sample } from "./sample.ts";
import { Latest, pollEvery } from "./polling.ts";
import type { Channel } from "./channels.ts";

export interface I2cChannelOptions<C> {
  io: I2cIo;
  sensor: SensorDefinition & { address: number };
  plan: I2cPlan<C>;
  config: C;
  pollMs: number;
  now: () => number;
}

const configured = new WeakSet<object>();

export function i2cChannel<C>(o: I2cChannelOptions<C>): Channel & { stop(): void } {
  const { io, sensor, plan } = o;
  const hex = `0x${sensor.address.toString(16)}`;
  if (!configured.has(io)) {
    io.i2cConfig({ delay: 0 });
    configured.add(io);
  }
  let constants: number[][] | undefined;
  const latest = new Latest<number[]>();
  const maxAgeMs = 3 * o.pollMs;

  const read = (register: number, bytes: number, handler: (b: number[]) => void) => {
    if (register < 0) io.i2cReadOnce(sensor.address, bytes, handler);
    else io.i2cReadOnce(sensor.address, register, bytes, handler);
  };
  const setUp = () => {
    for (const w of plan.setup) io.i2cWrite(sensor.address, w.register < 0 ? w.bytes : [w.register, ...w.bytes]);
    const wanted = plan.constants ?? [];
    const got: number[][] = [];
    wanted.forEach((c, k) =>
      read(c.register, c.bytes, (bytes) => {
        got[k] = bytes;
        if (got.filter(Boolean).length === wanted.length) constants = got;
      }),
    );
    if (wanted.length === 0) constants = [];
  };
  const poll = () => {
    if (latest.fresh(o.now(), maxAgeMs) === undefined) setUp(); // new, or back after a silence
    const parts: number[][] = [];
    plan.sample.forEach((r, k) =>
      read(r.register, r.bytes, (bytes) => {
        parts[k] = bytes;
        if (parts.filter(Boolean).length < plan.sample.length) return;
        latest.set(parts.flat(), o.now());
      }),
    );
  };
  const stop = pollEvery(o.pollMs, poll); // the first poll sets the chip up

  return {
    sensor,
    stop,
    read(): Sample {
      const bytes = latest.fresh(o.now(), maxAgeMs);
      if (!bytes) {
        return invalidSample(sensor.id, sensor.unit, `I2C device ${hex} (${sensor.driver}) does not answer: check SDA/SCL, its supply and its address`);
      }
      if (!constants) return invalidSample(sensor.id, sensor.unit, `I2C device ${hex} (${sensor.driver}): calibration constants not read yet`);
      try {
        const value = plan.convert(bytes, constants, o.config);
        return checkRange({ sensor: sensor.id, value, unit: sensor.unit, quality: "good" }, sensor.range, sensor.hint);
      } catch (err) {
        return invalidSample(sensor.id, sensor.unit, `${sensor.driver} at ${hex}: ${(err as Error).message}`);
      }
    },
  };
}
