// A DS18B20 on the Pi's own 1-Wire bus through the kernel (w1-gpio and w1_therm): each poll reads
// its w1_slave file, which takes the conversion's 750 ms inside the kernel, on libuv's thread pool.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { w1SlaveCelsius } from "./ds18b20.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample, type Sample } from "../sensors/sample.ts";
import { Latest, pollEvery } from "../sensors/polling.ts";
import type { Channel, Driver } from "../sensors/channel.ts";

/** Where the kernel lists 1-Wire devices; CS_W1_DEVICES moves it (tests, a chroot). */
export const w1DevicesDir = () => process.env.CS_W1_DEVICES ?? "/sys/bus/w1/devices";

export function w1Channel(o: { sensor: Extract<SensorDefinition, { driver: "ds18b20-w1" }>; pollMs: number; now: () => number }): Channel & { stop(): void } {
  const { sensor } = o;
  const file = join(w1DevicesDir(), sensor.w1Id, "w1_slave");
  const latest = new Latest<string>();
  let problem = "not read yet";
  let reading = false;
  const stop = pollEvery(o.pollMs, () => {
    if (reading) return; // the kernel is still converting: one read at a time
    reading = true;
    readFile(file, "utf8").then(
      (text) => latest.set(text, o.now()),
      (err: NodeJS.ErrnoException) => {
        problem = err.code === "ENOENT"
          ? `probe ${sensor.w1Id} is not on the Pi's 1-Wire bus: check its wiring, the 4.7 kOhm pull-up and dtoverlay=w1-gpio`
          : `${file}: ${err.message}`;
      },
    ).finally(() => (reading = false));
  });
  return {
    sensor,
    stop,
    read(): Sample {
      const text = latest.fresh(o.now(), 3 * o.pollMs + 1_000); // + the kernel's conversion
      if (text === undefined) return invalidSample(sensor.id, sensor.unit, `DS18B20 ${sensor.w1Id}: ${problem}`);
      try {
        return checkRange({ sensor: sensor.id, value: w1SlaveCelsius(text), unit: sensor.unit, quality: "good" }, sensor.range, sensor.hint);
      } catch (err) {
        return invalidSample(sensor.id, sensor.unit, `${(err as Error).message} (${sensor.w1Id})`);
      }
    },
  };
}

export const ds18b20W1Driver: Driver<"ds18b20-w1"> = (sensor, ctx) => w1Channel({ sensor, pollMs: Math.max(ctx.pollMs, 1000), now: ctx.now });
