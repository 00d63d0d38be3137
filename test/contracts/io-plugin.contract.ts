// The johnny-five IO plugin rules (https://github.com/rwaldron/io-plugins), written once and run
// against every IO plugin. Firmata joins when its serial test rig exists (see issue notes).
import { describe, expect, it } from "vitest";
import five from "johnny-five";
import type { EventEmitter } from "node:events";
import { waitFor } from "../helpers/wait-for.ts";

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
  io: IoPluginUnderTest;
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
