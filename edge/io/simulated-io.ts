// A johnny-five IO plugin whose pins are driven by a physical model instead of hardware.
// It follows the IO plugin spec (https://github.com/rwaldron/io-plugins): pins with supportedModes,
// analogPins, MODES, analogRead/digitalRead with "analog-read-N"/"digital-read-N" events, and
// "connect" then "ready". Every pin write is recorded from the first instant so tests can assert
// what an actuator saw before any command.
import { EventEmitter } from "node:events";

const MODES = Object.freeze({ INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 });

/** Arduino Mega layout: 54 digital pins, then A0..A15 on pins 54..69. */
const DIGITAL_PIN_COUNT = 54;
const ANALOG_PIN_COUNT = 16;

export interface PinState {
  supportedModes: number[];
  mode: number | undefined;
  value: number;
  report: number;
  analogChannel: number;
}

export interface PinWrite {
  pin: number;
  value: number;
  /** Milliseconds since the plugin was created. */
  atMs: number;
}

export interface SimulatedIoOptions {
  /** ADC counts (0..1023) currently present on an analog channel. */
  readAnalog: (channel: number) => number;
  /** Logic level (0 or 1) currently present on a digital pin. */
  readDigital: (pin: number) => 0 | 1;
  /** How often reporting pins call their handlers; Firmata's default is 19 ms, ours is gentler. */
  samplingIntervalMs?: number;
  name?: string;
}

type ReadHandler = (value: number) => void;

export class SimulatedIo extends EventEmitter {
  readonly MODES = MODES;
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly RESOLUTION = { ADC: 1023, DAC: null, PWM: 255 };
  readonly name: string;
  readonly defaultLed = 13;
  readonly pins: PinState[];
  readonly analogPins: number[];
  readonly writes: PinWrite[] = [];
  isReady = false;

  private readonly options: SimulatedIoOptions;
  private readonly createdAt = performance.now();
  private samplingIntervalMs: number;
  private readonly readers = new Map<string, { pin: number; handler: ReadHandler }[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: SimulatedIoOptions) {
    super();
    this.options = options;
    this.name = options.name ?? "SimulatedIO";
    this.samplingIntervalMs = options.samplingIntervalMs ?? 100;
    this.pins = [];
    for (let i = 0; i < DIGITAL_PIN_COUNT; i++) {
      this.pins.push({ supportedModes: [0, 1, 3, 4], mode: undefined, value: 0, report: 0, analogChannel: 127 });
    }
    for (let c = 0; c < ANALOG_PIN_COUNT; c++) {
      this.pins.push({ supportedModes: [0, 1, 2], mode: undefined, value: 0, report: 0, analogChannel: c });
    }
    this.analogPins = this.pins.flatMap((p, i) => (p.analogChannel !== 127 ? [i] : []));
    // Like a serial board, connect and ready arrive asynchronously after construction.
    setImmediate(() => {
      this.emit("connect");
      this.isReady = true;
      this.emit("ready");
      this.timer = setInterval(() => this.report(), this.samplingIntervalMs);
    });
  }

  /** "A3" -> analog channel 3; numbers pass through (the spec's normalize). */
  normalize(pin: number | string): number {
    if (typeof pin === "string" && /^A\d+$/.test(pin)) return Number(pin.slice(1));
    return Number(pin);
  }

  pinMode(pin: number, mode: number): this {
    const index = mode === MODES.ANALOG ? this.analogPins[pin] : pin;
    const state = this.pins[index];
    if (!state) throw new RangeError(`SimulatedIO: no pin ${pin}`);
    if (!state.supportedModes.includes(mode)) throw new RangeError(`SimulatedIO: pin ${pin} does not support mode ${mode}`);
    state.mode = mode;
    return this;
  }

  analogRead(channel: number, handler: ReadHandler): this {
    const index = this.analogPins[channel];
    if (index === undefined) throw new RangeError(`SimulatedIO: no analog channel ${channel}`);
    this.pins[index].report = 1;
    this.addReader(`analog-read-${channel}`, channel, handler);
    return this;
  }

  digitalRead(pin: number, handler: ReadHandler): this {
    if (!this.pins[pin]) throw new RangeError(`SimulatedIO: no pin ${pin}`);
    this.pins[pin].report = 1;
    this.addReader(`digital-read-${pin}`, pin, handler);
    return this;
  }

  digitalWrite(pin: number, value: number): this {
    return this.write(pin, value ? 1 : 0);
  }

  analogWrite(pin: number, value: number): this {
    return this.write(pin, Math.max(0, Math.min(255, Math.round(value))));
  }

  pwmWrite(pin: number, value: number): this {
    return this.analogWrite(pin, value);
  }

  servoWrite(pin: number, degrees: number): this {
    return this.write(pin, degrees);
  }

  setSamplingInterval(ms: number): this {
    this.samplingIntervalMs = Math.max(10, ms);
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.report(), this.samplingIntervalMs);
    }
    return this;
  }

  /** Reads every reporting pin now, as the next sampling tick would. */
  report(): void {
    for (const [event, list] of this.readers) {
      for (const { pin, handler } of list) {
        const value = event.startsWith("analog")
          ? clampCounts(this.options.readAnalog(pin))
          : this.options.readDigital(pin);
        if (event.startsWith("digital")) this.pins[pin].value = value;
        else this.pins[this.analogPins[pin]].value = value;
        handler(value);
        this.emit(event, value);
      }
    }
  }

  /** Simulates the USB cable being pulled and plugged back in. */
  reconnect(): void {
    this.emit("disconnect");
    setImmediate(() => {
      this.emit("connect");
      this.emit("ready");
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.readers.clear();
    this.isReady = false;
    this.emit("close");
  }

  private addReader(event: string, pin: number, handler: ReadHandler): void {
    const list = this.readers.get(event) ?? [];
    list.push({ pin, handler });
    this.readers.set(event, list);
  }

  private write(pin: number, value: number): this {
    const state = this.pins[pin];
    if (!state) throw new RangeError(`SimulatedIO: no pin ${pin}`);
    state.value = value;
    this.writes.push({ pin, value, atMs: performance.now() - this.createdAt });
    return this;
  }
}

function clampCounts(counts: number): number {
  return Math.max(0, Math.min(1023, Math.round(counts)));
}
