// Binds an I2C driver's plan to the bus of the board's IO plugin: sets the chip up, reads its
// constants once, then polls its sample block on a timer of its own so that a sample is never
// older than one poll. A chip that stops answering makes its readings invalid with what to check,
// and is set up again when it answers once more (a chip that lost power forgets its settings).
import type { I2cPlan } from "../drivers/i2c-driver.ts";
import { hasI2c, type I2cIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample, type Sample } from "./sample.ts";
import { Latest, pollEvery } from "./polling.ts";
import { unsupported, type Channel, type Driver, type DriverName, type SensorOf } from "./channel.ts";

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
  /** The last answer that was not one: an empty or short reply. Cleared by a whole answer. */
  let badReply: string | undefined;
  let lostContact = false;
  /** What the last sample showed the chip forgot (its setup, after a brown-out). */
  let forgot: string | undefined;
  /** Why the last sample is not believed until the next one agrees, and the last one believed. */
  let doubted: string | undefined;
  let believed: number[] | undefined;
  /** One question per register at a time; one never answered is taken back before the next. */
  const outstanding = new Map<number, { handler: (b: number[]) => void; sinceMs: number }>();

  const read = (register: number, bytes: number, handler: (b: number[]) => void) => {
    const waiting = outstanding.get(register);
    if (waiting) {
      if (o.now() - waiting.sinceMs < maxAgeMs) return;
      // Never answered (a read the firmware dropped): remove its listener, or every poll of an
      // unplugged chip would leave one behind (firmata-io's event for the reply).
      (io as Partial<Pick<NodeJS.EventEmitter, "removeListener">>).removeListener?.(`I2C-reply-${sensor.address}-${Math.max(0, register)}`, waiting.handler);
    }
    const answered = (reply: number[]) => {
      outstanding.delete(register);
      // StandardFirmata answers a read the chip did not acknowledge with an empty reply, and a
      // short one when it stopped part way: neither is a reading of zero.
      if (reply.length < bytes) {
        lostContact = true; // whatever it answers next, it may have lost power and its settings
        badReply = reply.length === 0
          ? `I2C device ${hex} (${sensor.driver}) gave an empty reply: it did not acknowledge or stopped part way (the firmware reads at most 32 bytes at once); check SDA/SCL, its supply and its address`
          : `I2C device ${hex} (${sensor.driver}) answered ${reply.length} of ${bytes} bytes: check SDA/SCL and its supply`;
        return;
      }
      badReply = undefined;
      handler(reply);
    };
    outstanding.set(register, { handler: answered, sinceMs: o.now() });
    if (register < 0) io.i2cReadOnce(sensor.address, bytes, answered);
    else io.i2cReadOnce(sensor.address, register, bytes, answered);
  };
  const write = (w: { register: number; bytes: number[] }) => io.i2cWrite(sensor.address, w.register < 0 ? w.bytes : [w.register, ...w.bytes]);
  const setUp = () => {
    for (const w of plan.setup) write(w);
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
  let setUpAtMs = -Infinity;
  /** A one-shot measurement under way since then: its sample is read when the timer fires. */
  let measuringSinceMs: number | undefined;
  let measured: NodeJS.Timeout | undefined;
  const sampleNow = () => {
    const parts: number[][] = [];
    plan.sample.forEach((r, k) =>
      read(r.register, r.bytes, (bytes) => {
        parts[k] = bytes;
        if (parts.filter(Boolean).length < plan.sample.length) return;
        const sample = parts.flat();
        forgot = plan.forgotSetup?.(sample);
        if (forgot) lostContact = true; // set up again on the next poll
        doubted = doubted ? undefined : plan.doubt?.(sample, believed);
        if (doubted) return;
        believed = sample;
        latest.set(sample, o.now());
      }),
    );
  };
  const poll = () => {
    // New, back after a silence, after an empty reply or a sample showing it forgot its setup: set
    // it up, and sample from the next poll on (a constant and a sample may share a register, and
    // the firmware's replies are told apart by register only). While it stays silent, set up again
    // at most once per stale time.
    const silent = latest.fresh(o.now(), maxAgeMs) === undefined && o.now() - setUpAtMs >= maxAgeMs;
    if (silent || lostContact) {
      lostContact = false;
      setUpAtMs = o.now();
      setUp();
      if (plan.setup.length > 0 || (plan.constants ?? []).length > 0) return;
    }
    const { measure } = plan;
    if (!measure) return sampleNow();
    // A poll shorter than the measurement lets it finish; one never answered is given up.
    if (measuringSinceMs !== undefined && o.now() - measuringSinceMs < maxAgeMs) return;
    measuringSinceMs = o.now();
    write(measure.command);
    // The firmware answers in order: once this read is answered the command has reached the chip,
    // however long the serial queue was, and only from then does the measurement time run (a read
    // sent waitMs after the command may reach the chip right behind it). Its bytes are the last
    // measurement's and are not used.
    const first = plan.sample[0];
    read(first.register, first.bytes, () => {
      measured = setTimeout(() => {
        measuringSinceMs = undefined;
        sampleNow();
      }, measure.waitMs);
    });
  };
  const stopPolling = pollEvery(o.pollMs, poll); // the first poll sets the chip up
  const stop = () => {
    stopPolling();
    clearTimeout(measured);
  };

  return {
    sensor,
    stop,
    read(): Sample {
      if (badReply) return invalidSample(sensor.id, sensor.unit, badReply);
      if (forgot) return invalidSample(sensor.id, sensor.unit, `${sensor.driver} at ${hex}: ${forgot}`);
      if (doubted) return invalidSample(sensor.id, sensor.unit, `${sensor.driver} at ${hex}: ${doubted}`);
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

/** A driver for a chip on the board's I2C bus: its plan, and the configuration the plan converts with. */
export function onI2cBus<D extends DriverName, C>(planOf: (sensor: SensorOf<D>) => { plan: I2cPlan<C>; config: C }): Driver<D> {
  return (sensor, ctx) => {
    if (!hasI2c(ctx.io)) return unsupported(sensor, "I2C");
    const { plan, config } = planOf(sensor);
    return i2cChannel({ io: ctx.io, sensor: sensor as SensorOf<D> & { address: number }, plan, config, pollMs: ctx.pollMs, now: ctx.now });
  };
}
