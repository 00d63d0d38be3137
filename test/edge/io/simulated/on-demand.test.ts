// The simulated board answers as StandardFirmata does (SimulatedIoOptions.onDemand): a pin's value
// at once when its reporting is switched on, and a written pin's effect at once, so the simulated
// village's slowly sampled boards are asked before each round as a real one is and cost the Pi
// what a real one does: one report a round, not one a second.
import { afterEach, describe, expect, it } from "vitest";
import { EdgeAgent } from "../../../../edge/agent.ts";
import { openBoardIo } from "../../../../edge/io/open-board-io.ts";
import { SimulatedIo } from "../../../../edge/io/simulated-io.ts";
import { VillageModel } from "../../../../edge/io/simulated/village-model.ts";
import { loadBoardFile } from "../../../../protocol/board/load.ts";
import { freePort } from "../../../helpers/free-port.ts";
import { journalledSamples } from "../../../helpers/journalled-samples.ts";
import { tempDir } from "../../../helpers/temp-dir.ts";
import { testLog } from "../../../helpers/test-log.ts";
import { waitFor } from "../../../helpers/wait-for.ts";

const water = loadBoardFile("boards/water.yaml").board;
const turn = () => new Promise((r) => setImmediate(r));

describe("a simulated board that answers on demand", () => {
  const closing: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it("answers a pin switched on and a written pin's effect in the same turn; without onDemand only on its own interval", async () => {
    for (const onDemand of [true, false]) {
      let counts = 300;
      const io: SimulatedIo = new SimulatedIo({ readAnalog: () => counts, readDigital: (pin): 0 | 1 => (pin === 11 ? (io.pins[9].value as 0 | 1) : 0), samplingIntervalMs: 16_000, onDemand });
      closing.push(() => io.close());
      await waitFor("ready", () => io.isReady);
      const analog: number[] = [];
      const feedback: number[] = [];
      io.analogRead(0, (v) => analog.push(v));
      io.digitalRead(11, (v) => feedback.push(v));
      await turn();
      const answered = feedback.length;
      counts = 700;
      io.reportAnalogPin(0, 1);
      await turn();
      expect(analog.at(-1), "the value asked for").toBe(onDemand ? 700 : undefined);
      io.digitalWrite(9, 1); // the coil, whose end switch is pin 11
      await turn();
      expect(feedback.at(-1), "the end switch").toBe(onDemand ? 1 : undefined);
      expect(feedback.length - answered).toBe(onDemand ? 2 : 0);
    }
  });

  it("the simulated village's water board is asked before each 5 s round and reports on its own once a round", async () => {
    const dir = tempDir();
    const io = await openBoardIo(water, { model: new VillageModel({ startMs: Date.now() }) });
    let reports = 0;
    io.on("analog-read-0", () => reports++);
    const agent = new EdgeAgent({ board: water, io, gatewayUrl: `mqtt://127.0.0.1:${await freePort()}`, dataDir: dir.path, log: testLog, sampleIntervalMs: 5_000 });
    const journal = journalledSamples(agent);
    closing.push(async () => (await agent.stop(), dir.remove()));
    await agent.start();
    const north = () => journal.samples.filter((s) => s.sensor === "tank-north-level");
    await waitFor("the first round and two on the interval", () => north().length >= 3, { timeoutMs: 14_000 });
    // Reported once when switched on, then once a round on its own and once asked: about 5 in
    // 10 s, where a report a second made 10.
    expect(reports).toBeLessThanOrEqual(6);
    expect(north().map((s) => s.quality)).toEqual(["good", "good", "good"]);
  }, 20_000);
});
