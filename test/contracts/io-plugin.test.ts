import { SimulatedIo } from "../../edge/io/simulated-io.ts";
import { ioPluginContract, type IoPluginUnderTest } from "./io-plugin.contract.ts";

ioPluginContract("SimulatedIO", async () => {
  const io = new SimulatedIo({ readAnalog: (c) => (c === 0 ? 512 : 0), readDigital: (p) => (p === 7 ? 1 : 0), samplingIntervalMs: 10 });
  return {
    io: io as unknown as IoPluginUnderTest,
    expected: { analog0: 512, digital7: 1 },
    dispose: async () => io.close(),
  };
});
