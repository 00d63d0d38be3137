// A DS18B20 on a OneWire bus pin (ConfigurableFirmata with OneWire): finds the probe, then on a
// timer of its own starts a conversion (0x44), waits the 750 ms a 12-bit conversion takes and
// reads the scratchpad (0xBE). Datasheet 19-7487 "ROM commands" and "function commands".
import { ds18b20Celsius } from "../drivers/ds18b20.ts";
import type { OneWireIo } from "../io/io-plugin.ts";
import type { SensorDefinition } from "../../protocol/board/schema.ts";
import { checkRange, invalidSample, type Sample } from "./sample.ts";
import { Latest, pollEvery } from "./polling.ts";
import type { Channel } from "./channels.ts";

export interface OneWireChannelOptions {
  io: OneWireIo;
  sensor: SensorDefinition & { driver: "ds18b20"; pin: number; rom?: string };
  pollMs: number;
  now: () => number;
}

const romHex = (rom: number[]) => rom.map((b) => b.toString(16).padStart(2, "0")).join("");

export function oneWireChannel(o: OneWireChannelOptions): Channel & { stop(): void } {
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
