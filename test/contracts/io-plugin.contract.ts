// The johnny-five IO plugin rules (https://github.com/rwaldron/io-plugins), written once and run
// against every IO plugin. Firmata joins when its serial test rig exists (see issue notes).
import { describe, expect, it } from "vitest";
import five from "johnny-five";
import type { EventEmitter } from "node:events";
import { waitFor } from "../helpers/wait-for.ts";
import type { I2cIo, OneWireIo } from "../../edge/io/io-plugin.ts";
import type { registerChip } from "../../edge/io/simulated-i2c.ts";

export interface IoPluginUnderTest extends EventEmitter {
  isReady: boolean;
  MODES: Record<string, number>;
  pins: { supportedModes: number[]; analogChannel: number }[];
  analogPins: number[];
  analogRead(channel: number, handler: (value: number) => void): unknown;
  digitalRead(pin: number, handler: (value: number) => void): unknown;
  digitalWrite(pin: number, value: number): unknown;
  pinMode(pin: number, mode: number): unknown;
  normalize?(pin: string | number): number;
  close?(): void;
}

export interface IoFixture {
  io: IoPluginUnderTest & I2cIo & OneWireIo;
  /** A register chip at 0x40 (registers 0x00.. hold 0x12 0x34 0x56) and nothing at 0x41. */
  chip: ReturnType<typeof registerChip>;
  /** What the plugin should report on analog channel 0 and digital pin 7. */
  expected: { analog0: number; digital7: 0 | 1 };
  dispose(): Promise<void>;
}

export function ioPluginContract(name: string, make: () => Promise<IoFixture>): void {
  describe(`IO plugin contract: ${name}`, () => {
    it("becomes ready asynchronously and emits connect before ready", async () => {
      const f = await make();
      const order: string[] = [];
      f.io.on("connect", () => order.push("connect"));
      f.io.on("ready", () => order.push("ready"));
      expect(f.io.isReady).toBe(false);
      await waitFor("ready", () => f.io.isReady);
      expect(order).toEqual(["connect", "ready"]);
      await f.dispose();
    });

    it("describes its pins: MODES, supportedModes and analog channels that map to analogPins", async () => {
      const f = await make();
      await waitFor("ready", () => f.io.isReady);
      expect(f.io.MODES).toMatchObject({ INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 });
      expect(f.io.analogPins.length).toBeGreaterThan(0);
      f.io.analogPins.forEach((pin, channel) => {
        expect(f.io.pins[pin].analogChannel).toBe(channel);
        expect(f.io.pins[pin].supportedModes).toContain(f.io.MODES.ANALOG);
      });
      await f.dispose();
    });

    it("reports analog reads to the handler and as analog-read-N events", async () => {
      const f = await make();
      await waitFor("ready", () => f.io.isReady);
      const handled: number[] = [];
      const evented: number[] = [];
      f.io.on("analog-read-0", (v: number) => evented.push(v));
      f.io.pinMode(0, f.io.MODES.ANALOG);
      f.io.analogRead(0, (v) => handled.push(v));
      await waitFor("two analog reports", () => handled.length >= 2 && evented.length >= 2);
      expect(handled[0]).toBe(f.expected.analog0);
      await f.dispose();
    });

    it("reports digital reads as digital-read-N events", async () => {
      const f = await make();
      await waitFor("ready", () => f.io.isReady);
      const evented: number[] = [];
      f.io.on("digital-read-7", (v: number) => evented.push(v));
      f.io.pinMode(7, f.io.MODES.INPUT);
      f.io.digitalRead(7, () => undefined);
      await waitFor("a digital report", () => evented.length >= 1);
      expect(evented[0]).toBe(f.expected.digital7);
      await f.dispose();
    });

    it("writes to an I2C chip and reads its registers, with and without a register byte", async () => {
      const f = await make();
      await waitFor("ready", () => f.io.isReady);
      f.io.i2cConfig({ delay: 0 });
      f.io.i2cWrite(0x40, [0x01, 0xab, 0xcd]);
      await waitFor("the write to arrive", () => f.chip.writes.length >= 1);
      expect(f.chip.writes[0]).toEqual([0x01, 0xab, 0xcd]);
      const withRegister = await new Promise<number[]>((resolve) => f.io.i2cReadOnce(0x40, 0x00, 3, resolve));
      expect(withRegister).toEqual([0x12, 0xab, 0xcd]);
      const plain = await new Promise<number[]>((resolve) => f.io.i2cReadOnce(0x40, 2, resolve));
      expect(plain).toEqual([0x12, 0xab]);
      await f.dispose();
    });

    it("gives no data for an address where nothing answers: no reply, or an empty one (StandardFirmata 2.5.9)", async () => {
      const f = await make();
      await waitFor("ready", () => f.io.isReady);
      f.io.i2cConfig({ delay: 0 });
      let replied: number[] | undefined;
      f.io.i2cReadOnce(0x41, 0x00, 2, (bytes) => (replied = bytes));
      const answered = await new Promise<number[]>((resolve) => f.io.i2cReadOnce(0x40, 0x00, 1, resolve)); // a later read still works
      expect(answered).toEqual([0x12]);
      expect(replied === undefined || replied.length === 0, `replied ${JSON.stringify(replied)}`).toBe(true);
      await f.dispose();
    });

    it("finds a OneWire device on its pin and reads its scratchpad (ConfigurableFirmata's OneWire)", async () => {
      const f = await make();
      await waitFor("ready", () => f.io.isReady);
      f.io.sendOneWireConfig(5, true);
      const devices = await new Promise<number[][]>((resolve, reject) => f.io.sendOneWireSearch(5, (err, d) => (err ? reject(err) : resolve(d))));
      expect(devices.map((d) => d.slice(0, 2))).toEqual([[0x28, 0xaa]]);
      const pad = await new Promise<number[]>((resolve, reject) => f.io.sendOneWireWriteAndRead(5, devices[0], 0xbe, 9, (err, d) => (err ? reject(err) : resolve(d))));
      expect(pad.slice(0, 2)).toEqual([0x58, 0x01]); // 0x0158 / 16 = 21.5 °C
      expect(pad).toHaveLength(9);
      await f.dispose();
    });

    it("drives a johnny-five Board and Sensor", async () => {
      const f = await make();
      const board = new five.Board({ io: f.io, repl: false, debug: false, sigint: false } as five.BoardOption);
      await new Promise<void>((resolve) => board.on("ready", () => resolve()));
      const sensor = new five.Sensor({ pin: "A0", board, freq: 25 });
      const raw = await waitFor("a raw value", () => (sensor as unknown as { raw: number | null }).raw);
      expect(raw).toBe(f.expected.analog0);
      await f.dispose();
    });
  });
}
