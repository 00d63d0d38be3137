// The Pi's own I2C bus (/dev/i2c-N) as a johnny-five IO plugin with no pins, through the i2c-bus
// package: an ADS1115, INA226 or BME280 can hang off the Pi without an Arduino. Bus transactions
// run one at a time. A chip that does not answer (EIO/ENXIO) produces no reply, as with Firmata;
// the channel above reports it stale, and the error is kept for the agent's warnings.
import { EventEmitter } from "node:events";

/** What is used of i2c-bus's PromisifiedBus (the package ships no types). */
export interface I2cBusLike {
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<unknown>;
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  close(): Promise<void>;
}

export async function openLinuxI2cBus(busNumber: number): Promise<I2cBusLike> {
  let mod: { openPromisified(bus: number): Promise<I2cBusLike> };
  try {
    // i2c-bus is an optional dependency: it compiles a native addon that only a Pi needs.
    mod = (await import("i2c-bus" as string)) as typeof mod;
  } catch (err) {
    throw new Error(`the i2c-bus package is not installed (npm install i2c-bus; needs make and g++): ${(err as Error).message}`);
  }
  return mod.openPromisified(busNumber);
}

export class LinuxI2cIo extends EventEmitter {
  readonly MODES = Object.freeze({ INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 });
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly name: string;
  readonly pins: never[] = [];
  readonly analogPins: never[] = [];
  isReady = false;
  /** The last bus error, for warnings; cleared by the next successful transaction. */
  lastError: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private bus: I2cBusLike | undefined;

  constructor(open: () => Promise<I2cBusLike>, name = "LinuxI2C") {
    super();
    this.name = name;
    open().then(
      (bus) => {
        this.bus = bus;
        this.emit("connect");
        this.isReady = true;
        this.emit("ready");
      },
      (err: Error) => this.emit("error", err),
    );
  }

  normalize(pin: number): number {
    return pin;
  }

  pinMode(pin: number): this {
    throw new RangeError(`the Pi's I2C bus has no pins (pin ${pin})`);
  }

  i2cConfig(_options?: unknown): this {
    return this;
  }

  i2cWrite(address: number, registerOrData: number | number[], inBytes?: number | number[]): this {
    const bytes = Array.isArray(registerOrData) ? registerOrData : [registerOrData, ...(inBytes === undefined ? [] : Array.isArray(inBytes) ? inBytes : [inBytes])];
    this.run(address, (bus) => bus.i2cWrite(address, bytes.length, Buffer.from(bytes)));
    return this;
  }

  i2cReadOnce(address: number, registerOrBytes: number, bytesOrHandler: number | ((b: number[]) => void), handler?: (b: number[]) => void): this {
    const plain = typeof bytesOrHandler === "function";
    const length = plain ? registerOrBytes : bytesOrHandler;
    const callback = plain ? bytesOrHandler : handler!;
    this.run(address, async (bus) => {
      if (!plain) await bus.i2cWrite(address, 1, Buffer.from([registerOrBytes]));
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await bus.i2cRead(address, length, buffer);
      if (bytesRead !== length) throw new Error(`read ${bytesRead} of ${length} bytes`);
      callback([...buffer]);
    });
    return this;
  }

  close(): void {
    this.isReady = false;
    void this.queue.then(() => this.bus?.close());
  }

  private run(address: number, op: (bus: I2cBusLike) => Promise<unknown>): void {
    this.queue = this.queue.then(async () => {
      if (!this.bus) return;
      try {
        await op(this.bus);
        this.lastError = undefined;
      } catch (err) {
        this.lastError = `I2C 0x${address.toString(16)}: ${(err as Error).message}`;
      }
    });
  }
}
