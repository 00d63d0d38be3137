// A stand-in for an Arduino Uno running StandardFirmata, on serialport's mock binding: it answers
// the Firmata handshake with real protocol bytes and streams analog and digital reports. This is
// the hardware fake; everything above it (firmata-io, johnny-five, the edge) is the real code.
// Byte values from the Firmata protocol (firmata.org protocol v2.5).
import { SerialPortMock } from "serialport";

const REPORT_VERSION = 0xf9;
const START_SYSEX = 0xf0;
const END_SYSEX = 0xf7;
const QUERY_FIRMWARE = 0x79;
const CAPABILITY_QUERY = 0x6b;
const CAPABILITY_RESPONSE = 0x6c;
const ANALOG_MAPPING_QUERY = 0x69;
const ANALOG_MAPPING_RESPONSE = 0x6a;
const REPORT_ANALOG = 0xc0;
const REPORT_DIGITAL = 0xd0;
const ANALOG_MESSAGE = 0xe0;
const DIGITAL_MESSAGE = 0x90;

const DIGITAL_PINS = 14;
const ANALOG_PINS = 6;

let boards = 0;

export interface FirmataBoardFake {
  path: string;
  port: SerialPortMock;
  /** Every byte the host wrote, for assertions. */
  written: number[];
  close(): Promise<void>;
}

export function fakeFirmataBoard(values: { analog: (channel: number) => number; digital: (pin: number) => 0 | 1 }): FirmataBoardFake {
  const path = `/dev/ttyFAKE${++boards}`;
  SerialPortMock.binding.createPort(path, { echo: false, record: true });
  const port = new SerialPortMock({ path, baudRate: 57600, autoOpen: true });
  const written: number[] = [];
  const reportingAnalog = new Set<number>();
  const reportingPorts = new Set<number>();
  let sysex: number[] | undefined;
  let pendingReport: number | undefined;
  const send = (bytes: number[]) => (port.port as unknown as { emitData(b: Buffer): void } | undefined)?.emitData(Buffer.from(bytes));

  const sendFirmware = () => {
    const name = [..."FakeFirmata.ino"].flatMap((c) => [c.charCodeAt(0) & 0x7f, 0]);
    send([START_SYSEX, QUERY_FIRMWARE, 2, 5, ...name, END_SYSEX]);
  };

  const onByte = (b: number) => {
    written.push(b);
    if (sysex) {
      if (b !== END_SYSEX) return void sysex.push(b);
      const [command] = sysex;
      sysex = undefined;
      if (command === QUERY_FIRMWARE) sendFirmware();
      else if (command === CAPABILITY_QUERY) {
        const pins: number[] = [];
        for (let p = 0; p < DIGITAL_PINS + ANALOG_PINS; p++) {
          pins.push(0, 1, 1, 1); // INPUT, OUTPUT
          if (p >= DIGITAL_PINS) pins.push(2, 10); // ANALOG, 10 bits
          else if ([3, 5, 6, 9, 10, 11].includes(p)) pins.push(3, 8); // PWM
          pins.push(0x7f);
        }
        send([START_SYSEX, CAPABILITY_RESPONSE, ...pins, END_SYSEX]);
      } else if (command === ANALOG_MAPPING_QUERY) {
        const map = Array.from({ length: DIGITAL_PINS + ANALOG_PINS }, (_, p) => (p >= DIGITAL_PINS ? p - DIGITAL_PINS : 0x7f));
        send([START_SYSEX, ANALOG_MAPPING_RESPONSE, ...map, END_SYSEX]);
      }
      return;
    }
    if (pendingReport !== undefined) {
      const cmd = pendingReport;
      pendingReport = undefined;
      const set = (cmd & 0xf0) === REPORT_ANALOG ? reportingAnalog : reportingPorts;
      if (b) set.add(cmd & 0x0f);
      else set.delete(cmd & 0x0f);
      return;
    }
    if (b === START_SYSEX) sysex = [];
    else if (b === REPORT_VERSION) send([REPORT_VERSION, 2, 5]);
    else if ((b & 0xf0) === REPORT_ANALOG || (b & 0xf0) === REPORT_DIGITAL) pendingReport = b;
  };

  port.on("open", () => {
    const binding = port.port as unknown as { write(buffer: Buffer): Promise<void> };
    const write = binding.write.bind(binding);
    binding.write = (buffer: Buffer) => {
      for (const b of buffer) onByte(b);
      return write(buffer);
    };
    // An Uno resets when the port opens; StandardFirmata then announces its version and firmware.
    setTimeout(() => {
      send([REPORT_VERSION, 2, 5]);
      sendFirmware();
    }, 5);
  });

  // StandardFirmata's default sampling interval is 19 ms.
  const timer = setInterval(() => {
    for (const ch of reportingAnalog) {
      const v = Math.max(0, Math.min(1023, Math.round(values.analog(ch))));
      send([ANALOG_MESSAGE | ch, v & 0x7f, (v >> 7) & 0x7f]);
    }
    for (const p of reportingPorts) {
      let mask = 0;
      for (let bit = 0; bit < 8; bit++) if (values.digital(p * 8 + bit)) mask |= 1 << bit;
      send([DIGITAL_MESSAGE | p, mask & 0x7f, (mask >> 7) & 0x7f]);
    }
  }, 19);

  return {
    path,
    port,
    written,
    async close() {
      clearInterval(timer);
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
