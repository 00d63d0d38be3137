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
  const io = new Firmata(port, { reportVersionTimeout: 5_000 });
  // Ask for version and firmware as soon as the port is open, not only after firmata-io's 5 s:
  // a board that answers a version question left over from before (the link watch asks one every
  // round) would otherwise end firmata-io's wait for the version and leave it waiting for a
  // firmware name nobody asked for, never ready. A board that restarts on open announces both
  // itself, and the extra answers are harmless.
  io.once("open", () => {
    const board = io as unknown as { reportVersion(cb: () => void): void; queryFirmware(cb: () => void): void };
    board.reportVersion(() => undefined);
    board.queryFirmware(() => undefined);
  });
  return io;
}
