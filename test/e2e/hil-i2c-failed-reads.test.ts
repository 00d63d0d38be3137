// Hardware in the loop: 10,000 reads of an I2C chip that is not there, through StandardFirmata's
// real I2C code on the emulated ATmega328P. What the firmware really sends back for a read nobody
// acknowledges (a string message and a reply of stale bytes) must leave neither listeners nor heap
// behind, and every reading stays invalid, naming the cause.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventEmitter } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import { i2cChannel } from "../../edge/sensors/i2c-channel.ts";
import { ina219 } from "../../edge/drivers/ina219.ts";
import type { I2cIo } from "../../edge/io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { waitFor } from "../helpers/wait-for.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// The battery kit's INA219 at 0x40, which nobody has plugged in.
const sensor = { id: "battery-voltage", driver: "ina219", address: 0x40, quantity: "voltage", shuntOhms: 0.1, unit: "V" } as unknown as SensorDefinition & { address: number };

describe("reads of an absent I2C chip through StandardFirmata (emulated ATmega328P)", () => {
  let uno: UnoEmulator;
  let io: I2cIo & EventEmitter & { isReady: boolean };
  let stop: (() => void) | undefined;
  beforeAll(async () => {
    uno = await UnoEmulator.start();
    io = openFirmataIo({ path: uno.path, baudRate: 57600 }) as unknown as typeof io;
    // As the agent does (it logs them): closing the port under a pending read ends that read with
    // a "Canceled" error, which unheard would be an uncaught exception.
    io.on("error", () => undefined);
    await waitFor("the firmware ready", () => io.isReady, { timeoutMs: 30_000 });
  }, 60_000);
  afterAll(async () => {
    stop?.();
    const transport = (io as unknown as { transport?: { close?: (cb: () => void) => void; isOpen?: boolean } } | undefined)?.transport;
    if (transport?.isOpen && transport.close) await new Promise<void>((resolve) => transport.close!(() => resolve()));
    await uno?.stop();
  });

  it("leave at most one listener per register and the heap flat, and every reading invalid", async () => {
    let reads = 0;
    const readOnce = io.i2cReadOnce.bind(io) as (...args: unknown[]) => unknown;
    (io as { i2cReadOnce: unknown }).i2cReadOnce = (...args: unknown[]) => {
      reads++;
      return readOnce(...args);
    };
    // Polled as fast as the firmware answers (about 125 reads a second here): the stale time is three polls.
    const channel = i2cChannel({ io, sensor, plan: ina219(sensor as never), config: sensor as never, pollMs: 5, now: Date.now });
    stop = channel.stop;
    const started = performance.now();
    // The heap after a full collection, every 500 reads. A single pair of samples moved by up to
    // 2.9 MiB on a loaded machine (beside busy loops; -2.4 MiB in another run); a leak raises the
    // floor. So the lowest sample of reads 1,000-4,000 is compared with the lowest of 7,000-10,000:
    // under 2 MiB over 6,000 reads is under 350 B a read (a listener and its closure left per read
    // would be more, and the listener count below catches that case exactly).
    const samples: { reads: number; heap: number }[] = [];
    for (let next = 1_000; next <= 10_000; next += 500) {
      await waitFor(`${next} failed reads`, () => reads >= next, { timeoutMs: 120_000, intervalMs: 50 });
      uno.i2cWrites.length = 0; // the harness's log of bus writes: the test's memory, not the agent's
      uno.events.length = 0;
      gc();
      samples.push({ reads, heap: process.memoryUsage().heapUsed });
    }
    const floor = (from: number, to: number) => Math.min(...samples.filter((x) => x.reads >= from && x.reads <= to + 50).map((x) => x.heap));
    const grown = floor(7_000, 10_000) - floor(1_000, 4_000);
    const perSecond = (reads / (performance.now() - started)) * 1000;
    console.log(`${reads} failed reads through the firmware (${perSecond.toFixed(0)}/s); lowest heap of reads 7,000-10,000 against 1,000-4,000: ${grown >= 0 ? "+" : ""}${(grown / 1024).toFixed(0)} KiB`);
    expect(grown, "heap floor growth over the failed reads").toBeLessThan(2 * 1024 * 1024);
    const replies = io.eventNames().filter((e) => String(e).startsWith("I2C-reply-64-"));
    expect(replies.length, "the channel listened for the chip's replies").toBeGreaterThan(0);
    for (const e of replies) expect(io.listenerCount(e), String(e)).toBeLessThanOrEqual(1);
    const reading = channel.read(Date.now(), new Map());
    expect(reading.quality).toBe("invalid");
    expect(reading.value).toBeNull();
    expect(reading.warning).toMatch(/0x40 \(ina219\)/);
  }, 480_000);
});
