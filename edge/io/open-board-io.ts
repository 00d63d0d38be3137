// Opens the IO plugin a board file names: the simulated plugin driven by the village model,
// Firmata over a serial port, or no pins at all for a Pi with serial instruments only.
import type { EventEmitter } from "node:events";
import type { BoardDefinition } from "../../protocol/board/schema.ts";
import { openSimulatedBoardIo } from "./simulated/simulated-board-io.ts";
import { VillageModel } from "./simulated/village-model.ts";
import { PIN_REPORT_MS } from "./pin-report-interval.ts";

export type IoPlugin = EventEmitter & { isReady: boolean; close?: () => void };

export async function openBoardIo(board: BoardDefinition, sim: { model?: VillageModel; simNowMs?: () => number } = {}): Promise<IoPlugin> {
  if (board.io.kind === "instruments") {
    const { NoPinsIo } = await import("./no-pins-io.ts");
    return new NoPinsIo();
  }
  if (board.io.kind === "linux-i2c") {
    const { LinuxI2cIo, openLinuxI2cBus } = await import("./linux-i2c-io.ts");
    const bus = board.io.bus;
    return new LinuxI2cIo(() => openLinuxI2cBus(bus), `LinuxI2C(/dev/i2c-${bus})`);
  }
  if (board.io.kind === "firmata") {
    // Loaded only for real boards: serialport and its native binding cost about 11 MB of RSS.
    const { openFirmataIo } = await import("./firmata-io.ts");
    return openFirmataIo({ path: board.io.path, baudRate: board.io.baudRate });
  }
  const simNowMs = sim.simNowMs ?? (() => Date.now());
  const model = sim.model ?? new VillageModel({ startMs: simNowMs() });
  // Reporting as a Firmata board would, asked before each slow round as a real one is: the
  // simulated village costs the Pi what the real one does.
  return openSimulatedBoardIo({ board, model, simNowMs, samplingIntervalMs: PIN_REPORT_MS, onDemand: true });
}
