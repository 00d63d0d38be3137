// Real Firmata (StandardFirmata on an Arduino-class board) over serialport 13. firmata-io takes an
// already constructed transport, so the serialport version is ours to choose, not johnny-five's.
import bindTransport from "firmata-io";
import { SerialPort } from "serialport";
import type { EventEmitter } from "node:events";
import { PIN_REPORT_MS } from "./pin-report-interval.ts"; // not StandardFirmata's 19 ms

export interface FirmataIoOptions {
  path: string;
  baudRate: number;
  /** A ready-made transport (tests pass a SerialPortStream on serialport's mock binding). */
  port?: EventEmitter;
}


export function openFirmataIo(options: FirmataIoOptions): EventEmitter & { isReady: boolean } {
  const Firmata = bindTransport(SerialPort);
  const port = options.port ?? new SerialPort({ path: options.path, baudRate: options.baudRate });
  const io = new Firmata(port, { reportVersionTimeout: 5_000, samplingInterval: PIN_REPORT_MS });
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
  answerFailedReadsHonestly(io);
  return io;
}

/**
 * StandardFirmata up to 2.5.8 (the Uno build in avrgirl-arduino among them) answers a read the
 * chip did not acknowledge with the string "I2C: Too few bytes received", then a reply of the
 * full length holding the previous read's bytes; 2.5.9 sends the string and a short reply. The
 * string comes just before the reply it is about, so that reply is passed on as empty: nobody
 * answered, whatever bytes came with it. (At the emit, not by wrapping the read: a reader that
 * takes back an unanswered read removes the very listener it registered.)
 */
function answerFailedReadsHonestly(io: EventEmitter): void {
  let tooFew = false;
  io.on("string", (text: string) => {
    if (/^I2C: Too few bytes/.test(text)) tooFew = true;
  });
  const emit = io.emit.bind(io);
  io.emit = (event: string | symbol, ...args: unknown[]) => {
    if (tooFew && typeof event === "string" && event.startsWith("I2C-reply-")) {
      tooFew = false;
      return emit(event, []);
    }
    return emit(event, ...args);
  };
}
