// A stand-in for an Arduino Uno running StandardFirmata, on serialport's mock binding: it answers
// the Firmata handshake with real protocol bytes and streams analog and digital reports. This is
// the hardware fake; everything above it (firmata-io, johnny-five, the edge) is the real code.
// Byte values from the Firmata protocol (firmata.org protocol v2.5).
import { SerialPortMock } from "serialport";
import type { SimulatedI2cChip } from "../../edge/io/simulated-i2c.ts";

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

const I2C_REQUEST = 0x76;
const I2C_REPLY = 0x77;
const I2C_CONFIG = 0x78;
const STRING_DATA = 0x71;
// ConfigurableFirmata's OneWire feature (firmata.org protocol, onewire.md).
const PING_READ = 0x75; // PingFirmata: a trigger pulse and the echo's length in microseconds
const ONEWIRE_DATA = 0x73;
const ONEWIRE_SEARCH_REQUEST = 0x40;
const ONEWIRE_CONFIG_REQUEST = 0x41;
const ONEWIRE_SEARCH_REPLY = 0x42;
const ONEWIRE_READ_REPLY = 0x43;
const ONEWIRE_READ_BIT = 0x08;
const ONEWIRE_WRITE_BIT = 0x20;

/** Firmata's 7-bit packing of 8-bit data (protocol: "Encoder7Bit"), written from the spec. */
export function to7Bit(data: number[]): number[] {
  const out: number[] = [];
  let carry = 0;
  let bits = 0;
  for (const b of data) {
    carry |= (b & 0xff) << bits;
    bits += 8;
    while (bits >= 7) {
      out.push(carry & 0x7f);
      carry >>= 7;
      bits -= 7;
    }
  }
  if (bits > 0) out.push(carry & 0x7f);
  return out;
}

export function from7Bit(data: number[]): number[] {
  const out: number[] = [];
  let carry = 0;
  let bits = 0;
  for (const b of data) {
    carry |= (b & 0x7f) << bits;
    bits += 7;
    if (bits >= 8) {
      out.push(carry & 0xff);
      carry >>= 8;
      bits -= 8;
    }
  }
  return out;
}

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

export function fakeFirmataBoard(values: {
  analog: (channel: number) => number;
  digital: (pin: number) => 0 | 1;
  i2c?: ReadonlyMap<number, SimulatedI2cChip>;
  /** OneWire devices per pin: ROM code and what READ SCRATCHPAD returns now. */
  oneWire?: ReadonlyMap<number, Array<{ rom: number[]; scratchpad: () => number[] }>>;
  /** Echo length in microseconds on a pin; given, the board announces PingFirmata's mode. */
  ping?: (pin: number) => number;
  /** True: a read the chip does not acknowledge gets no reply at all (a firmware that drops it). */
  i2cDropsNacks?: () => boolean;
}): FirmataBoardFake {
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

  let i2cEnabled = false;
  const sevenBit = (bytes: number[]) => bytes.flatMap((b) => [b & 0x7f, (b >> 7) & 0x7f]);
  // StandardFirmata's I2C_REQUEST: address, mode bits (3..4: 0 write, 1 read once), then 7-bit pairs.
  const i2cRequest = (m: number[]) => {
    const address = m[1];
    const mode = (m[2] >> 3) & 0x03;
    const data: number[] = [];
    for (let k = 3; k + 1 < m.length; k += 2) data.push(m[k] | (m[k + 1] << 7));
    const chip = values.i2c?.get(address);
    if (!i2cEnabled) return;
    if (mode === 0) return chip?.write(data);
    if (mode !== 1) return;
    const [register, length] = data.length >= 2 ? [data[0], data[1]] : [null, data[0]];
    const bytes = chip?.read(register, length);
    if (!bytes && values.i2cDropsNacks?.()) return;
    if (!bytes) {
      // What StandardFirmata 2.5.9 does when a device does not acknowledge: it prints a string and
      // still sends the reply, with no data bytes (readAndReportData).
      const text = [..."I2C: Too few bytes received"].flatMap((c) => [c.charCodeAt(0) & 0x7f, 0]);
      send([START_SYSEX, STRING_DATA, ...text, END_SYSEX]);
      return send([START_SYSEX, I2C_REPLY, ...sevenBit([address]), ...sevenBit([register ?? 0]), END_SYSEX]);
    }
    send([START_SYSEX, I2C_REPLY, ...sevenBit([address]), ...sevenBit([register ?? 0]), ...sevenBit(bytes), END_SYSEX]);
  };

  // OneWire: search answers with every ROM on the pin; a write-and-read of READ SCRATCHPAD (0xBE)
  // to a known ROM answers with its scratchpad under the request's correlation id.
  const oneWire = (m: number[]) => {
    const [, subcommand, pin, ...payload] = m;
    const devices = values.oneWire?.get(pin) ?? [];
    if (subcommand === ONEWIRE_CONFIG_REQUEST) return;
    if (subcommand === ONEWIRE_SEARCH_REQUEST) return send([START_SYSEX, ONEWIRE_DATA, ONEWIRE_SEARCH_REPLY, pin, ...to7Bit(devices.flatMap((d) => d.rom)), END_SYSEX]);
    if ((subcommand & ONEWIRE_READ_BIT) === 0) return; // reset, select, write, delay: nothing to answer
    const bytes = from7Bit(payload);
    const rom = bytes.slice(0, 8);
    const count = bytes[8] | (bytes[9] << 8);
    const correlation = [bytes[10], bytes[11]];
    const written = subcommand & ONEWIRE_WRITE_BIT ? bytes.slice(16) : [];
    const device = devices.find((d) => d.rom.join() === rom.join());
    const data = device && written[0] === 0xbe ? device.scratchpad().slice(0, count) : Array(count).fill(0xff);
    send([START_SYSEX, ONEWIRE_DATA, ONEWIRE_READ_REPLY, pin, ...to7Bit([...correlation, ...data]), END_SYSEX]);
  };

  const onByte = (b: number) => {
    written.push(b);
    if (sysex) {
      if (b !== END_SYSEX) return void sysex.push(b);
      const [command] = sysex;
      const sysex_ = sysex;
      sysex = undefined;
      if (command === QUERY_FIRMWARE) sendFirmware();
      else if (command === I2C_CONFIG) i2cEnabled = true;
      else if (command === I2C_REQUEST) i2cRequest(sysex_);
      else if (command === ONEWIRE_DATA) oneWire(sysex_);
      else if (command === PING_READ && values.ping) {
        const pin = sysex_[1];
        const micros = Math.round(values.ping(pin));
        const bytes = [(micros >> 24) & 0xff, (micros >> 16) & 0xff, (micros >> 8) & 0xff, micros & 0xff];
        send([START_SYSEX, PING_READ, pin & 0x7f, (pin >> 7) & 0x7f, ...bytes.flatMap((b) => [b & 0x7f, (b >> 7) & 0x7f]), END_SYSEX]);
      }
      else if (command === CAPABILITY_QUERY) {
        const pins: number[] = [];
        for (let p = 0; p < DIGITAL_PINS + ANALOG_PINS; p++) {
          pins.push(0, 1, 1, 1); // INPUT, OUTPUT
          if (values.ping && p >= 2 && p < DIGITAL_PINS) pins.push(PING_READ, 0);
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
