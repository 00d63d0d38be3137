import { SimulatedIo } from "../../edge/io/simulated-io.ts";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import { fakeFirmataBoard } from "../helpers/firmata-board.ts";
import { ioPluginContract, type IoFixture } from "./io-plugin.contract.ts";
import { registerChip } from "../../edge/io/simulated-i2c.ts";
import { crc8Maxim } from "../../edge/drivers/ds18b20.ts";

const chipAt40 = () => registerChip({ 0x00: 0x12, 0x01: 0x34, 0x02: 0x56 });
/** A DS18B20 on pin 5 (ROM with its CRC) whose scratchpad reads 21.5 °C. */
const probeOn5 = () => {
  const rom = [0x28, 0xaa, 0x01, 0x02, 0x03, 0x04, 0x05];
  const pad = [0x58, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  return new Map([[5, [{ rom: [...rom, crc8Maxim(rom)], scratchpad: () => [...pad, crc8Maxim(pad)] }]]]);
};

ioPluginContract("SimulatedIO", async () => {
  const chip = chipAt40();
  const io = new SimulatedIo({ readAnalog: (c) => (c === 0 ? 512 : 0), readDigital: (p) => (p === 7 ? 1 : 0), samplingIntervalMs: 10, i2c: new Map([[0x40, chip]]), oneWire: probeOn5() });
  return {
    io: io as unknown as IoFixture["io"],
    chip,
    expected: { analog0: 512, digital7: 1 },
    dispose: async () => io.close(),
  };
});

ioPluginContract("Firmata over serialport (mock binding)", async () => {
  const chip = chipAt40();
  const board = fakeFirmataBoard({ analog: (c) => (c === 0 ? 512 : 100), digital: (p) => (p === 7 ? 1 : 0), i2c: new Map([[0x40, chip]]), oneWire: probeOn5() });
  const io = openFirmataIo({ path: board.path, baudRate: 57600, port: board.port });
  return {
    io: io as unknown as IoFixture["io"],
    chip,
    expected: { analog0: 512, digital7: 1 },
    dispose: () => board.close(),
  };
});
