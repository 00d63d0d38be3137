// Maxim DS18B20 OneWire thermometer (19-7487 rev 6). The 9-byte scratchpad: temperature LSB, MSB
// (signed, 1/16 °C at 12 bits), TH, TL, config, 3 reserved, CRC. The CRC is Dallas/Maxim CRC-8
// (x^8 + x^5 + x^4 + 1) over the first 8 bytes. 85.0 °C is the power-on reset value: read right
// after a power glitch it means "no conversion happened", not a hot cold store.
import { s16le } from "./bytes.ts";
import { hasOneWire, type OneWireIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample, type Sample } from "../sensors/sample.ts";
import { Latest, pollEvery } from "../sensors/polling.ts";
import { unsupported, type Channel, type Driver } from "../sensors/channel.ts";

export function crc8Maxim(bytes: ArrayLike<number>, length = bytes.length): number {
  let crc = 0;
  for (let i = 0; i < length; i++) {
    let b = bytes[i];
    for (let bit = 0; bit < 8; bit++) {
      const mix = (crc ^ b) & 0x01;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      b >>= 1;
    }
  }
  return crc;
}

export function ds18b20Celsius(scratchpad: number[]): number {
  if (scratchpad.length !== 9) throw new Error(`DS18B20 scratchpad has ${scratchpad.length} bytes, 9 expected`);
  if (scratchpad.every((b) => b === 0xff)) throw new Error("DS18B20 does not answer (all ones): check the data line and its 4.7 kOhm pull-up");
  // All zeros passes the CRC (CRC-8 of zeros is 0) but is no conversion: a data line shorted to
  // ground, or a bus master that read nothing. A real scratchpad has 0xFF in byte 5 (reserved).
  if (scratchpad.every((b) => b === 0)) throw new Error("DS18B20 frame is all zeros: the data line is held low, check it for a short to ground");
  if (crc8Maxim(scratchpad, 8) !== scratchpad[8]) throw new Error("DS18B20 scratchpad CRC mismatch: noise on a long cable, check the pull-up");
  const celsius = s16le(scratchpad) / 16;
  if (celsius === 85) throw new Error("DS18B20 reads its power-on value 85 °C: no conversion took place, check its supply");
  return celsius;
}

/**
 * The kernel's w1_therm file for a probe on the Pi's 1-Wire bus (/sys/bus/w1/devices/28-xxxxxxxxxxxx/w1_slave):
 * the nine scratchpad bytes, the kernel's CRC verdict, then the same bytes and t=<milli °C>.
 *   72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 *   72 01 4b 46 7f ff 0e 10 57 t=23125
 * The bytes go through the same checks as over Firmata (CRC, all zeros, the 85 °C power-on value).
 */
export function w1SlaveCelsius(text: string): number {
  const first = text.split("\n")[0]?.trim() ?? "";
  const m = /^((?:[0-9a-f]{2} ){9}): crc=[0-9a-f]{2} (YES|NO)$/.exec(first);
  if (!m) throw new Error(`w1_slave is not what the kernel's w1_therm writes: ${JSON.stringify(first.slice(0, 60))}`);
  if (m[2] === "NO") throw new Error("DS18B20 scratchpad CRC mismatch (the kernel says NO): noise on a long cable, check the pull-up");
  return ds18b20Celsius(m[1].trim().split(" ").map((h) => parseInt(h, 16)));
}

export const ds18b20Driver: Driver<"ds18b20"> = (sensor, ctx) =>
  hasOneWire(ctx.io) ? oneWireChannel({ io: ctx.io, sensor, pollMs: Math.max(ctx.pollMs, 1000), now: ctx.now }) : unsupported(sensor, "OneWire (ConfigurableFirmata)");

interface OneWireChannelOptions {
  io: OneWireIo;
  sensor: SensorDefinition & { driver: "ds18b20"; pin: number; rom?: string };
  pollMs: number;
  now: () => number;
}

const romHex = (rom: number[]) => rom.map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * On a OneWire bus pin (ConfigurableFirmata with OneWire): finds the probe, then on a timer of its
 * own starts a conversion (0x44), waits the 750 ms a 12-bit conversion takes and reads the
 * scratchpad (0xBE). Datasheet 19-7487 "ROM commands" and "function commands".
 */
function oneWireChannel(o: OneWireChannelOptions): Channel & { stop(): void } {
  const { io, sensor } = o;
  let device: number[] | undefined;
  const latest = new Latest<number[]>();
  let problem = "no DS18B20 found on the bus yet: check the data line's 4.7 kOhm pull-up";
  io.sendOneWireConfig(sensor.pin, true);

  const poll = () => {
    if (!device) {
      io.sendOneWireSearch(sensor.pin, (err, devices) => {
        if (err) return void (problem = `OneWire search failed: ${err.message}`);
        const probes = (devices ?? []).filter((d) => d[0] === 0x28); // family code 0x28: DS18B20
        device = sensor.rom ? probes.find((d) => romHex(d).toLowerCase() === sensor.rom!.toLowerCase()) : probes[0];
        if (!device) problem = sensor.rom ? `probe ${sensor.rom} is not on the bus (found ${probes.map(romHex).join(", ") || "none"})` : problem;
      });
      return;
    }
    const rom = device;
    io.sendOneWireReset(sensor.pin);
    io.sendOneWireWrite(sensor.pin, rom, 0x44);
    io.sendOneWireDelay(sensor.pin, 750);
    io.sendOneWireReset(sensor.pin);
    io.sendOneWireWriteAndRead(sensor.pin, rom, 0xbe, 9, (err, data) => {
      if (err) return void (problem = `OneWire read failed: ${err.message}`);
      latest.set(data, o.now());
    });
  };
  const stop = pollEvery(o.pollMs, poll);

  return {
    sensor,
    stop,
    read(): Sample {
      const scratchpad = latest.fresh(o.now(), 3 * o.pollMs + 750); // + one 12-bit conversion
      if (!scratchpad) return invalidSample(sensor.id, sensor.unit, `DS18B20 on pin ${sensor.pin}: ${problem}`);
      try {
        const value = ds18b20Celsius(scratchpad);
        return checkRange({ sensor: sensor.id, value, unit: sensor.unit, quality: "good" }, sensor.range, sensor.hint);
      } catch (err) {
        return invalidSample(sensor.id, sensor.unit, `${(err as Error).message} (pin ${sensor.pin})`);
      }
    },
  };
}
