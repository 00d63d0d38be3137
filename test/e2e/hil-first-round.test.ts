// A board that has just come up reports within seconds, not a sampling interval later (a Pi back
// from a power cut at the reference boards' 10 s, or a 60 s greenhouse board), and that first round
// holds real readings, not "no data from the board yet". StandardFirmata on the emulated ATmega328P.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { EdgeAgent } from "../../edge/agent.ts";
import { agentOnUno } from "../helpers/agent-on-uno.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { PIN_REPORT_MS } from "../../edge/io/pin-report-interval.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { journalledSamples } from "../helpers/journalled-samples.ts";

const water = loadBoardFile("boards/water.yaml").board;
const INTERVAL_MS = 60_000;

describe("the first sampling round on real firmware", () => {
  const dir = tempDir("cs-hil-first-");
  let uno: UnoEmulator;
  let agent: EdgeAgent;
  let journal: ReturnType<typeof journalledSamples>;
  let startedAt = 0;
  let attachedAt = 0;
  beforeAll(async () => {
    uno = await UnoEmulator.start();
    for (const pin of [0, 1, 2]) uno.adc(pin, 2_500); // half of each tank
    uno.adc(3, 1_000); // 4 mA on the flow loop: no flow
    agent = agentOnUno(uno, water, { dataDir: join(dir.path, "edge"), sampleIntervalMs: INTERVAL_MS });
    journal = journalledSamples(agent);
    startedAt = Date.now();
    await agent.start();
    attachedAt = Date.now();
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await uno?.stop();
    dir.remove();
  });

  it("takes a round of good readings long before the first interval is over", async () => {
    await waitFor("the first round", () => journal.samples.length >= water.sensors.length, { timeoutMs: INTERVAL_MS / 2 });
    const first = journal.samples.slice(0, water.sensors.length);
    expect(first.map((s) => s.sensor).sort()).toEqual(water.sensors.map((s) => s.id).sort());
    for (const s of first) expect(s, s.sensor).toMatchObject({ quality: "good" });
    expect(first.find((s) => s.sensor === "tank-north-level")!.value).toBeCloseTo(5_000, -2);
    // One round, not a burst: the next waits for the interval.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(journal.samples).toHaveLength(water.sensors.length);
    expect(first[0].atMs - startedAt).toBeLessThan(INTERVAL_MS / 2);
    // Taken once every pin had reported: within a report interval of the board being set up (the
    // agent waits at most a quarter second past it; a second more for a loaded machine's timers).
    expect(first[0].atMs - attachedAt).toBeLessThan(PIN_REPORT_MS + 1_250);
  }, 60_000);
});
