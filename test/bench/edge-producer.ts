// Child process of the full-path benchmark: the edge side (journal + publisher) runs in its own
// process, as it does on a Pi, and reports readings/s from first append to last acknowledgement
// and its own CPU time per reading. With --warm-up=<readings> it sends those first and waits for
// "go" (warm-up.ts); with --report-half it says "half" halfway through the timed readings.
import pino from "pino";
import { join } from "node:path";
import { Journal } from "../../edge/journal/journal.ts";
import { systemClock } from "../../edge/journal/clock.ts";
import { Publisher } from "../../edge/publish/publisher.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { READINGS_IN_FLIGHT, READINGS_PER_MESSAGE as BATCH } from "./closed-loop.ts";
import { warmedWaitForGo, warmUpReadings } from "./warm-up.ts";

const [url, countArg, ...flags] = process.argv.slice(2);
/** Says "half" once half the readings are taken, for a benchmark that kills the consumer then. */
const reportHalf = flags.includes("--report-half");
const readings = Number(countArg);
const warmUp = warmUpReadings(flags);
const dir = tempDir("cs-bench-edge-");
const journal = new Journal({ path: join(dir.path, "journal.db"), clock: systemClock, firstSeq: 1 });
journal.open();
const publisher = new Publisher({ device: "water-main", gatewayUrl: url, journal, log: pino({ level: "silent" }), ackTimeoutMs: 60_000 });
publisher.start();
while (!publisher.connected) await new Promise((r) => setTimeout(r, 10));

async function produce(count: number, half?: () => void): Promise<void> {
  for (let i = 0; i < count; i += BATCH) {
    if (half && i === Math.floor(count / 2 / BATCH) * BATCH) half();
    for (let k = 0; k < BATCH; k++) journal.append({ sensor: "tank-north-level", value: 5000 + k, unit: "L", quality: "good" });
    // Yield after each group commit, as an agent sampling on timers does, so sends and acks flow;
    // closed loop: the producer stays within READINGS_IN_FLIGHT unacknowledged readings of the
    // gateway. A full window is waited out on a 1 ms timer, not by spinning on setImmediate: on a
    // 2-core machine the spin took CPU from the gateway and influxd that the raw baseline's
    // publisher leaves them.
    await new Promise((r) => setImmediate(r));
    while (journal.nextSeq - 1 - publisher.acknowledged > READINGS_IN_FLIGHT) await new Promise((r) => setTimeout(r, 1));
  }
  while (publisher.acknowledged < journal.nextSeq - 1) await new Promise((r) => setTimeout(r, 1));
}

if (warmUp > 0) {
  await produce(warmUp);
  await warmedWaitForGo();
}
// Tells the parent the timed part begins, so it can open its own CPU window at the same moment.
process.stdout.write("started\n");
const started = performance.now();
const cpuAtStart = process.cpuUsage();
await produce(readings, reportHalf ? () => process.stdout.write("half\n") : undefined);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
await publisher.stop();
journal.close();
dir.remove();
process.stdout.write(JSON.stringify({ perSec: readings / seconds, cpuUs: (cpu.user + cpu.system) / readings }));
process.exit(0);
