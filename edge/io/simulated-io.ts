// A johnny-five IO plugin whose pins are driven by a physical model instead of hardware.
// It follows the IO plugin spec (https://github.com/rwaldron/io-plugins): pins with supportedModes,
// analogPins, MODES, analogRead/digitalRead with "analog-read-N"/"digital-read-N" events, and
// "connect" then "ready". Every pin write is recorded from the first instant so tests can assert
// what an actuator saw before any command.
import { EventEmitter } from "node:events";
import type { SimulatedI2cChip } from "./simulated-i2c.ts";

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
  /** How often reporting pins call their handlers (the agent passes PIN_REPORT_MS; Firmata's default is 19 ms). */
  samplingIntervalMs?: number;
  name?: string;
  /** Chips on the I2C bus, by 7-bit address. */
  i2c?: ReadonlyMap<number, SimulatedI2cChip>;
  /** DS18B20-like devices on OneWire bus pins: ROM code and what their scratchpad holds now. */
  oneWire?: ReadonlyMap<number, Array<{ rom: number[]; scratchpad: () => number[] }>>;
  /** Echo length in microseconds an ultrasonic sensor on this pin reports; 0 = no echo. */
  ping?: (pin: number) => number;
  /**
   * Answers as StandardFirmata does beside its periodic reports: a pin's value at once when its
   * reporting is switched on (so a slowly sampled board can be asked before each round,
   * analog-on-demand.ts), and a digital input's at once when it changes. The model has no change
   * to report from, so every reporting pin is read whenever any is asked for or a pin is written
   * (a valve's end switch follows its coil). Off for rigs that want only the periodic reports.
   */
  onDemand?: boolean;
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
  /** Whether the agent may ask this board for its pins before each round (options.onDemand). */
  readonly answersOnDemand: boolean;

  private readonly options: SimulatedIoOptions;
  private readonly createdAt = performance.now();
  private samplingIntervalMs: number;
  private readonly readers = new Map<string, { pin: number; handler: ReadHandler }[]>();
  private timer: NodeJS.Timeout | undefined;
  private answer: NodeJS.Immediate | undefined;
  private i2cEnabled = false;

  constructor(options: SimulatedIoOptions) {
    super();
    this.options = options;
    this.answersOnDemand = options.onDemand ?? false;
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
    if (this.answersOnDemand) this.answerSoon();
    return this;
  }

  digitalRead(pin: number, handler: ReadHandler): this {
    if (!this.pins[pin]) throw new RangeError(`SimulatedIO: no pin ${pin}`);
    this.pins[pin].report = 1;
    this.addReader(`digital-read-${pin}`, pin, handler);
    if (this.answersOnDemand) this.answerSoon();
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

  /** Firmata's REPORT_ANALOG for one channel; switched on, an on-demand board answers at once. */
  reportAnalogPin(channel: number, value: 0 | 1): this {
    const index = this.analogPins[channel];
    if (index === undefined) throw new RangeError(`SimulatedIO: no analog channel ${channel}`);
    this.pins[index].report = value;
    if (value === 1 && this.answersOnDemand) this.answerSoon();
    return this;
  }

  setSamplingInterval(ms: number): this {
    this.samplingIntervalMs = Math.max(10, ms);
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.report(), this.samplingIntervalMs);
    }
    return this;
  }

  i2cConfig(_options?: unknown): this {
    this.i2cEnabled = true;
    return this;
  }

  /** (address, [register, ...data]) or (address, register, data) as in the IO plugin spec. */
  i2cWrite(address: number, registerOrData: number | number[], inBytes?: number | number[]): this {
    this.requireI2c();
    const bytes = Array.isArray(registerOrData) ? registerOrData : [registerOrData, ...(inBytes === undefined ? [] : Array.isArray(inBytes) ? inBytes : [inBytes])];
    this.options.i2c?.get(address)?.write(bytes);
    return this;
  }

  i2cWriteReg(address: number, register: number, value: number): this {
    return this.i2cWrite(address, [register, value]);
  }

  i2cReadOnce(address: number, registerOrBytes: number, bytesOrHandler: number | ((b: number[]) => void), handler?: (b: number[]) => void): this {
    this.requireI2c();
    const register = typeof bytesOrHandler === "function" ? null : registerOrBytes;
    const length = typeof bytesOrHandler === "function" ? registerOrBytes : bytesOrHandler;
    const callback = typeof bytesOrHandler === "function" ? bytesOrHandler : handler!;
    // Like Firmata, a chip that does not answer produces no reply at all.
    setImmediate(() => {
      const bytes = this.options.i2c?.get(address)?.read(register, length);
      if (bytes) callback(bytes);
    });
    return this;
  }

  pingRead(options: { pin: number }, handler: (micros: number) => void): this {
    if (!this.pins[options.pin]) throw new RangeError(`SimulatedIO: no pin ${options.pin}`);
    setImmediate(() => handler(this.options.ping?.(options.pin) ?? 0));
    return this;
  }

  sendOneWireConfig(pin: number, _parasitic: boolean): this {
    if (!this.pins[pin]) throw new RangeError(`SimulatedIO: no pin ${pin}`);
    return this;
  }

  sendOneWireSearch(pin: number, callback: (err: Error | null, devices: number[][]) => void): this {
    setImmediate(() => callback(null, (this.options.oneWire?.get(pin) ?? []).map((d) => d.rom)));
    return this;
  }

  sendOneWireReset(_pin: number): this {
    return this;
  }

  sendOneWireWrite(_pin: number, _device: number[], _data: number | number[]): this {
    return this;
  }

  sendOneWireDelay(_pin: number, _ms: number): this {
    return this;
  }

  /** Reads `bytes` bytes from the device after a command; only READ SCRATCHPAD (0xBE) is known. */
  sendOneWireWriteAndRead(pin: number, device: number[], data: number | number[], bytes: number, callback: (err: Error | null, data: number[]) => void): this {
    setImmediate(() => {
      const found = this.options.oneWire?.get(pin)?.find((d) => d.rom.join() === device.join());
      const command = Array.isArray(data) ? data[0] : data;
      // An absent device reads as the bus's pull-up: all ones.
      callback(null, found && command === 0xbe ? found.scratchpad().slice(0, bytes) : Array(bytes).fill(0xff));
    });
    return this;
  }

  private requireI2c(): void {
    if (!this.i2cEnabled) throw new Error("SimulatedIO: I2C is not enabled; call i2cConfig() first");
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
    if (this.answer) clearImmediate(this.answer);
    this.timer = undefined;
    this.answer = undefined;
    this.readers.clear();
    this.isReady = false;
    this.emit("close");
  }

  /** One answer for everything asked in the same turn of the event loop (a round's burst). */
  private answerSoon(): void {
    this.answer ??= setImmediate(() => {
      this.answer = undefined;
      this.report();
    });
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
    if (this.answersOnDemand && this.isReady) this.answerSoon();
    return this;
  }
}

function clampCounts(counts: number): number {
  return Math.max(0, Math.min(1023, Math.round(counts)));
}
