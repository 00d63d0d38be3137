// An I2C chip that stops answering, on real firmata-io bytes: StandardFirmata 2.5.9 answers a read
// the chip did not acknowledge with an empty reply, which is no reading of 0 V; the chip is set up
// again when it answers once more; and reads that get no reply at all leave no listener behind.
import { afterEach, describe, expect, it } from "vitest";
import type { EventEmitter } from "node:events";
import { openFirmataIo } from "../../../edge/io/firmata-io.ts";
import { i2cChannel } from "../../../edge/sensors/i2c-channel.ts";
import { ina219 } from "../../../edge/drivers/ina219.ts";
import { registerChip } from "../../../edge/io/simulated-i2c.ts";
import type { I2cIo } from "../../../edge/io/io-plugin.ts";
import type { SensorDefinition } from "../../../protocol/board/schema.ts";
import { fakeFirmataBoard, type FirmataBoardFake } from "../../helpers/firmata-board.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// INA219 at 0x40: bus voltage register 0x02 = 12.0 V (bits 15..3, 4 mV a bit), shunt 0x01 = 0.
const sensor = { id: "battery-voltage", driver: "ina219", address: 0x40, quantity: "voltage", shuntOhms: 0.1, unit: "V" } as unknown as SensorDefinition & { address: number };
const busRegister = ((12_000 / 4) << 3) & 0xffff;

describe("an I2C chip on Firmata that stops answering", () => {
  let board: FirmataBoardFake | undefined;
  let stop: (() => void) | undefined;
  afterEach(async () => {
    stop?.();
    await board?.close();
  });

  async function rig(options: { dropsNacks?: boolean } = {}) {
    let answering = true;
    const chip = registerChip({ 0x01: 0, 0x02: busRegister >> 8, 0x03: busRegister & 0xff }, { answering: () => answering });
    board = fakeFirmataBoard({ analog: () => 0, digital: () => 0, i2c: new Map([[0x40, chip]]), i2cDropsNacks: () => options.dropsNacks === true });
    const io = openFirmataIo({ path: board.path, baudRate: 57600, port: board.port }) as unknown as I2cIo & EventEmitter & { isReady: boolean };
    await waitFor("the board ready", () => io.isReady);
    const channel = i2cChannel({ io, sensor, plan: ina219(sensor as never), config: sensor as never, pollMs: 10, now: Date.now });
    stop = channel.stop;
    return { io, chip, channel, unplug: () => (answering = false), plug: () => (answering = true) };
  }

  it("an empty reply is an invalid reading naming the cause, never 0 V; plugged back, the chip is set up again", async () => {
    const r = await rig();
    await waitFor("12 V", () => r.channel.read(Date.now(), new Map()).value === 12);
    const setupsBefore = r.chip.writes.length;
    r.unplug();
    const invalid = await waitFor("an invalid reading", () => {
      const s = r.channel.read(Date.now(), new Map());
      return s.quality === "invalid" ? s : undefined;
    });
    expect(invalid.value).toBeNull();
    expect(invalid.warning).toMatch(/I2C device 0x40 \(ina219\) gave an empty reply: it did not acknowledge/);
    r.plug();
    await waitFor("12 V again", () => r.channel.read(Date.now(), new Map()).value === 12);
    expect(r.chip.writes.length).toBeGreaterThan(setupsBefore); // its configuration written again
  });

  it("10,000 reads of a chip whose firmware drops them leave at most one listener per register, and the heap flat", async () => {
    const r = await rig({ dropsNacks: true });
    await waitFor("a first reading", () => r.channel.read(Date.now(), new Map()).quality === "good");
    stop!();
    r.unplug();
    let reads = 0;
    const readOnce = r.io.i2cReadOnce.bind(r.io) as (...args: unknown[]) => unknown;
    (r.io as { i2cReadOnce: unknown }).i2cReadOnce = (...args: unknown[]) => {
      reads++;
      return readOnce(...args);
    };
    const fast = i2cChannel({ io: r.io, sensor, plan: ina219(sensor as never), config: sensor as never, pollMs: 1, now: Date.now });
    stop = fast.stop;
    await waitFor("1,000 unanswered reads", () => reads >= 1_000, { timeoutMs: 50_000, intervalMs: 100 });
    // The fake's own logs (every byte it was sent, every write to the chip) are not the agent's memory.
    const forgetFakeLogs = () => {
      board!.written.length = 0;
      r.chip.writes.length = 0;
    };
    forgetFakeLogs();
    gc();
    const warm = process.memoryUsage().heapUsed;
    await waitFor("10,000 unanswered reads", () => reads >= 10_000, { timeoutMs: 100_000, intervalMs: 100 });
    forgetFakeLogs();
    gc();
    const grown = process.memoryUsage().heapUsed - warm;
    console.log(`heap after 1,000 and after 10,000 failed reads: +${(grown / 1024).toFixed(0)} KiB`);
    expect(grown, "heap growth over 9,000 failed reads").toBeLessThan(2 * 1024 * 1024);
    const replies = r.io.eventNames().filter((e) => String(e).startsWith("I2C-reply-64-"));
    expect(replies.length).toBeGreaterThan(0);
    for (const e of replies) expect(r.io.listenerCount(e), String(e)).toBeLessThanOrEqual(1);
    expect(fast.read(Date.now(), new Map()).quality).toBe("invalid");
  }, 120_000);
});
