// The parts of the johnny-five IO plugin interface (https://github.com/rwaldron/io-plugins) that
// the bus drivers call directly. Plugins are plain JavaScript objects; this names what is used.
export type I2cReplyHandler = (bytes: number[]) => void;

export interface I2cIo {
  i2cConfig(options: { delay?: number; address?: number } | number): unknown;
  i2cWrite(address: number, bytes: number[]): unknown;
  /** Without a register: a plain read of `bytes` bytes (chips with no register map, e.g. BH1750). */
  i2cReadOnce(address: number, register: number, bytes: number, handler: I2cReplyHandler): unknown;
  i2cReadOnce(address: number, bytes: number, handler: I2cReplyHandler): unknown;
}

export type OneWireCallback<T> = (error: Error | null | undefined, value: T) => void;

export interface OneWireIo {
  sendOneWireConfig(pin: number, enableParasiticPower: boolean): unknown;
  sendOneWireSearch(pin: number, callback: OneWireCallback<number[][]>): unknown;
  sendOneWireReset(pin: number): unknown;
  sendOneWireWrite(pin: number, device: number[], data: number | number[]): unknown;
  sendOneWireDelay(pin: number, ms: number): unknown;
  sendOneWireWriteAndRead(pin: number, device: number[], data: number | number[], bytes: number, callback: OneWireCallback<number[]>): unknown;
}

export interface PingIo {
  /** Sends a trigger pulse and reports the echo's length in microseconds (PingFirmata). */
  pingRead(options: { pin: number; value: number; pulseOut: number; timeout?: number }, handler: (micros: number) => void): unknown;
}

export interface DigitalIo {
  MODES: Record<string, number>;
  pinMode(pin: number, mode: number): unknown;
  digitalRead(pin: number, handler: (value: number) => void): unknown;
}

export function hasI2c(io: object): io is I2cIo {
  return typeof (io as Partial<I2cIo>).i2cReadOnce === "function" && typeof (io as Partial<I2cIo>).i2cWrite === "function";
}

export function hasOneWire(io: object): io is OneWireIo {
  return typeof (io as Partial<OneWireIo>).sendOneWireSearch === "function";
}

export function hasPing(io: object): io is PingIo {
  return typeof (io as Partial<PingIo>).pingRead === "function";
}
