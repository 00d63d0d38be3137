import { SimulatedIo } from "../../edge/io/simulated-io.ts";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import { fakeFirmataBoard } from "../helpers/firmata-board.ts";
import { ioPluginContract, type IoPluginUnderTest } from "./io-plugin.contract.ts";

ioPluginContract("SimulatedIO", async () => {
  const io = new SimulatedIo({ readAnalog: (c) => (c === 0 ? 512 : 0), readDigital: (p) => (p === 7 ? 1 : 0), samplingIntervalMs: 10 });
  return {
    io: io as unknown as IoPluginUnderTest,
    expected: { analog0: 512, digital7: 1 },
    dispose: async () => io.close(),
  };
});

ioPluginContract("Firmata over serialport (mock binding)", async () => {
  const board = fakeFirmataBoard({ analog: (c) => (c === 0 ? 512 : 100), digital: (p) => (p === 7 ? 1 : 0) });
  const io = openFirmataIo({ path: board.path, baudRate: 57600, port: board.port });
  return {
    io: io as unknown as IoPluginUnderTest,
    expected: { analog0: 512, digital7: 1 },
    dispose: () => board.close(),
  };
});
