// A slowly sampled board's analog pins are asked for just before each round (edge/io/analog-on-demand.ts):
// StandardFirmata answers a REPORT_ANALOG at once, so a round holds the value of its own moment,
// while the board reports on its own only once a round. Shown on the real firmware on the emulated
// ATmega328P: a level that changes a second and a half before a round is in that round. Without
// the ask (shown by making it do nothing) the board's own report falls at a random point of the
// 6 s interval, five times in six before the change: three such rounds all fresh by chance is
// about 1 in 200.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { EdgeAgent } from "../../edge/agent.ts";
import { agentOnUno } from "../helpers/agent-on-uno.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { journalledSamples } from "../helpers/journalled-samples.ts";

const water = loadBoardFile("boards/water.yaml").board;
const INTERVAL_MS = 6_000;
/** The north tank's litres for a transducer voltage (0.5-4.5 V = 0-10,000 L, 10-bit ADC at 5 V). */
const litres = (mV: number) => ((Math.round((mV / 5000) * 1023) - 102) / (921 - 102)) * 10_000;

describe("analog pins asked for before each round on real firmware", () => {
  const dir = tempDir("cs-hil-on-demand-");
  let uno: UnoEmulator;
  let agent: EdgeAgent;
  let journal: ReturnType<typeof journalledSamples>;
  beforeAll(async () => {
    uno = await UnoEmulator.start();
    for (const pin of [0, 1, 2]) uno.adc(pin, 2_500);
    uno.adc(3, 1_000);
    agent = agentOnUno(uno, water, { dataDir: join(dir.path, "edge"), sampleIntervalMs: INTERVAL_MS });
    journal = journalledSamples(agent);
    await agent.start();
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await uno?.stop();
    dir.remove();
  });

  it("a level that changed just before a round is in that round, three rounds running", async () => {
    const north = () => journal.samples.filter((s) => s.sensor === "tank-north-level");
    // Past the first round (taken as soon as the pins reported): rounds on the interval from here.
    await waitFor("two rounds", () => north().length >= 2, { timeoutMs: 3 * INTERVAL_MS });
    for (const mV of [4_000, 1_500, 3_500]) {
      const before = north().length;
      const last = north().at(-1)!;
      await new Promise((r) => setTimeout(r, Math.max(0, last.atMs + INTERVAL_MS - 1_500 - Date.now())));
      uno.adc(0, mV);
      const next = await waitFor(`the round after ${mV} mV`, () => north()[before], { timeoutMs: 2 * INTERVAL_MS });
      expect(next.atMs - last.atMs, "the round came on its interval").toBeGreaterThan(INTERVAL_MS - 1_000);
      expect(next, `${mV} mV`).toMatchObject({ quality: "good" });
      expect(next.value!).toBeCloseTo(litres(mV), -2); // within a count of the ADC
    }
  }, 90_000);
});
