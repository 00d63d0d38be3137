// Runs inside `unshare` with a tiny tmpfs mounted at argv[2] (test/edge/journal/disk-full.test.ts):
// an edge agent for the reference water board, its journal on that filesystem, which the script
// then fills to the last byte. Prints one JSON line per phase for the test to judge.
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { EdgeAgent } from "../../edge/agent.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { analogLinear } from "../../edge/drivers/analog-linear.ts";
import { SimulatedIo } from "../../edge/io/simulated-io.ts";
import { inspectJournal } from "../../edge/journal/journal.ts";
import { testLog } from "./test-log.ts";

const dir = process.argv[2];
const board = loadBoardFile("boards/water.yaml").board;
const values: Record<string, number> = { "tank-north-level": 5000, "tank-south-level": 5000, "cistern-level": 20000, "main-flow": 3 };
const byChannel = new Map<number, () => number>();
for (const s of board.sensors) {
  if (s.driver !== "analog-linear") continue;
  const map = analogLinear(s.calibration);
  byChannel.set(Number(s.pin.slice(1)), () => map.toCounts(values[s.id] ?? 0));
}
const io = new SimulatedIo({ readAnalog: (c) => byChannel.get(c)?.() ?? 0, readDigital: () => 0, samplingIntervalMs: 10 });
const agent = new EdgeAgent({
  board, io, gatewayUrl: "mqtt://127.0.0.1:1", dataDir: dir, log: testLog, sampleIntervalMs: 20,
  journal: { commitEveryMs: 50, maxHeldReadings: Number(process.argv[3] ?? 5000) },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const report = (phase: string, extra: object = {}) => {
  const s = agent.journal.stats();
  console.log(JSON.stringify({ phase, nextSeq: s.nextSeq, pending: s.pending, unkept: s.unkept, writeError: s.writeError ?? null, overflowDropped: s.overflowDropped, ...extra }));
};

await agent.start();
await sleep(500);
report("before");
// Fill the filesystem: every free block, as a runaway log would.
const filler = join(dir, "filler");
const fd = openSync(filler, "w");
const block = Buffer.alloc(4096, 1);
try {
  for (;;) writeSync(fd, block);
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
}
closeSync(fd);
report("filled");
await sleep(1500);
// The cistern runs low while the disk is full: the dry-run safety loop must still switch the pump.
const trippedBefore = agent.safety?.conflict("cistern-pump", "on")?.id ?? null;
values["cistern-level"] = 100;
await sleep(1000);
report("full", { trippedBefore, tripped: agent.safety?.conflict("cistern-pump", "on")?.id ?? null, warnings: agent.warnings() });
rmSync(filler);
await sleep(1000);
report("freed");
await agent.stop();
const { journalled } = inspectJournal(join(dir, `journal-${board.id}.db`));
console.log(JSON.stringify({ phase: "stopped", journalled: journalled.length, first: journalled[0], last: journalled.at(-1) }));
process.exit(0);
