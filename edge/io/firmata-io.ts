// Real Firmata (StandardFirmata on an Arduino-class board) over serialport 13. firmata-io takes an
// already constructed transport, so the serialport version is ours to choose, not johnny-five's.
import bindTransport from "firmata-io";
import { SerialPort } from "serialport";
import type { EventEmitter } from "node:events";

export interface FirmataIoOptions {
  path: string;
  baudRate: number;
  /** A ready-made transport (tests pass a SerialPortStream on serialport's mock binding). */
  port?: EventEmitter;
}

export function openFirmataIo(options: FirmataIoOptions): EventEmitter & { isReady: boolean } {
  const Firmata = bindTransport(SerialPort);
  const port = options.port ?? new SerialPort({ path: options.path, baudRate: options.baudRate });
  return new Firmata(port, { reportVersionTimeout: 5_000 });
}
