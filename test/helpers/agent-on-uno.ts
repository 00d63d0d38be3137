// An edge agent on the emulated Uno's StandardFirmata, as the HIL tests run it: the board file's
// io pointed at the emulator's pty, and no gateway to reach (the tests judge what it journals).
import { EdgeAgent, type AgentOptions } from "../../edge/agent.ts";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import type { BoardDefinition } from "../../protocol/board/schema.ts";
import type { UnoEmulator } from "./uno-emulator.ts";
import { testLog } from "./test-log.ts";

export function agentOnUno(uno: UnoEmulator, board: BoardDefinition, o: { dataDir: string; sampleIntervalMs: number } & Partial<AgentOptions>): EdgeAgent {
  const io = { kind: "firmata" as const, path: uno.path, baudRate: 57600 };
  return new EdgeAgent({ gatewayUrl: "mqtt://127.0.0.1:1", log: testLog, ...o, board: { ...board, io }, io: openFirmataIo(io) });
}
