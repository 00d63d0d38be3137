// The link to the board is a sensor, shown on StandardFirmata's real firmware (emulated ATmega328P):
// a board that hangs, one that restarts, and a cable pulled. Within two sampling rounds no reading
// the board feeds is published as good, outputs are sent to their safe state, and the agent takes
// the board back (opening the port again, with a doubling pause) as soon as it answers.
import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { agentOnUno } from "../helpers/agent-on-uno.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { journalledSamples } from "../helpers/journalled-samples.ts";

const water = loadBoardFile("boards/water.yaml").board;
const ROUND_MS = 200;

async function rig() {
  const dir = tempDir("cs-hil-link-");
  const uno = await UnoEmulator.start();
  uno.adc(0, 2_500); // the north tank half full: 5,000 L on the board's calibration
  const agent = agentOnUno(uno, water, { dataDir: join(dir.path, "edge"), sampleIntervalMs: ROUND_MS });
  const { samples } = journalledSamples(agent);
  await agent.start();
  const north = () => samples.filter((s) => s.sensor === "tank-north-level");
  await waitFor("a good reading of the north tank", () => north().at(-1)?.quality === "good", { timeoutMs: 20_000 });
  return {
    uno, agent, samples, north,
    async stop() {
      await agent.stop();
      await uno.stop();
      dir.remove();
    },
  };
}

describe("the board's link on real firmware", () => {
  let r: Awaited<ReturnType<typeof rig>> | undefined;
  afterEach(async () => {
    await r?.stop();
    r = undefined;
  });

  /** Readings of the north tank taken more than two rounds after `fromMs` are all invalid. */
  const noGoodAfter = (fromMs: number) => r!.north().filter((s) => s.atMs > fromMs + 2 * ROUND_MS + 50);

  it("a hung board: every reading it feeds is invalid within two rounds, outputs go safe, and it is taken back once it answers", async () => {
    r = await rig();
    const hungAt = Date.now();
    r.uno.pause();
    await waitFor("an invalid reading", () => r!.north().at(-1)?.quality === "invalid", { timeoutMs: 5_000 });
    await new Promise((res) => setTimeout(res, 5 * ROUND_MS));
    const after = noGoodAfter(hungAt);
    expect(after.length).toBeGreaterThan(2);
    expect(after.every((s) => s.quality === "invalid")).toBe(true);
    expect(after.at(-1)!.warning).toMatch(/no answer from the board on \S+ for \d+ s \(silent\): check its USB cable and power/);
    // Every sensor the board feeds, not only the tank.
    const last = new Map(r.samples.filter((s) => s.atMs > hungAt + 3 * ROUND_MS).map((s) => [s.sensor, s]));
    expect([...last.values()].every((s) => s.quality === "invalid")).toBe(true);
    expect(r.agent.outputs!.changes.some((c) => c.source === "link-lost")).toBe(true);
    r.uno.adc(0, 1_500);
    r.uno.resume();
    await waitFor("good readings again, at the new level", () => {
      const s = r!.north().at(-1)!;
      return s.quality === "good" && Math.abs(s.value! - 2_500) < 50;
    }, { timeoutMs: 20_000 });
  }, 60_000);

  it("a board that restarts (a brown-out) is set up again: its readings come back with their new values", async () => {
    r = await rig();
    r.uno.adc(0, 4_000);
    const resetAt = Date.now();
    r.uno.reset();
    await waitFor("readings at the new level", () => {
      const s = r!.north().at(-1)!;
      return s.quality === "good" && s.atMs > resetAt && Math.abs(s.value! - 8_750) < 50;
    }, { timeoutMs: 30_000 });
    // In between, nothing stale was published as good: StandardFirmata restarts with its reports off.
    const between = r.north().filter((s) => s.atMs > resetAt + 2 * ROUND_MS + 50 && s.quality === "good");
    expect(between.every((s) => Math.abs(s.value! - 8_750) < 50)).toBe(true);
    expect(r.agent.outputs!.changes.some((c) => c.source === "link-lost")).toBe(true);
  }, 60_000);

  it("a pulled cable: readings invalid within two rounds, and the agent keeps trying without crashing", async () => {
    r = await rig();
    const pulledAt = Date.now();
    await r.uno.stop(); // the port goes away
    await new Promise((res) => setTimeout(res, 6 * ROUND_MS));
    const after = noGoodAfter(pulledAt);
    expect(after.length).toBeGreaterThan(2);
    expect(after.every((s) => s.quality === "invalid")).toBe(true);
    // The journal goes on: sampling continues while the board is away.
    const before = r.samples.length;
    await new Promise((res) => setTimeout(res, 3 * ROUND_MS));
    expect(r.samples.length).toBeGreaterThan(before);
  }, 60_000);
});
