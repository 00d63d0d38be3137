// Hardware in the loop, the pantry kit's grain-bin scale: a NAU7802 register model on the emulated
// Uno's I2C bus, read through StandardFirmata's real I2C code. Set up in the datasheet's order and
// read as a weight; after a brown-out (every register back to 0, ADCO included) no reset count is
// published as a weight: the readings are invalid, saying why, until the agent has set it up again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { EdgeAgent } from "../../edge/agent.ts";
import { agentOnUno } from "../helpers/agent-on-uno.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { nau7802OnUno } from "../helpers/uno-chips.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { journalledSamples } from "../helpers/journalled-samples.ts";

const kit = loadBoardFile("boards/kits/pantry-node.yaml").board;
// The scale alone: the cold-store probe needs ConfigurableFirmata's OneWire, the legume scale a port.
const bin = kit.sensors.find((s) => s.id === "grain-bin-kg")!;
const board = { ...kit, sensors: [{ ...bin, filters: [] }], actuators: [], safety: [] };
const calibration = bin.driver === "nau7802" && "tareCounts" in bin.calibration ? bin.calibration : undefined;
/** Counts for a weight, from the kit's own calibration. */
const countsFor = (kg: number) => Math.round(calibration!.tareCounts + (kg * (calibration!.spanCounts - calibration!.tareCounts)) / calibration!.spanKg);

describe("the pantry kit's load cell ADC on StandardFirmata (emulated ATmega328P)", () => {
  const dir = tempDir("cs-hil-load-cell-");
  let uno: UnoEmulator;
  let agent: EdgeAgent;
  let cell: ReturnType<typeof nau7802OnUno>;
  let journal: ReturnType<typeof journalledSamples>;
  beforeAll(async () => {
    expect(calibration, "the kit's grain bin is calibrated by tare and span").toBeDefined();
    uno = await UnoEmulator.start();
    cell = nau7802OnUno(uno, 0x2a, countsFor(150));
    agent = agentOnUno(uno, board, { dataDir: join(dir.path, "edge"), sampleIntervalMs: 400 });
    journal = journalledSamples(agent);
    await agent.start();
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await uno?.stop();
    dir.remove();
  });

  it("is set up in the datasheet's order (LDO, analog power, conversions, offset calibration) and reads the bin's weight", async () => {
    await waitFor("a good weight", () => journal.latest("grain-bin-kg")?.quality === "good", { timeoutMs: 20_000 });
    expect(journal.latest("grain-bin-kg")!.value).toBeCloseTo(150, 2);
    const toChip = uno.i2cWrites.filter((w) => w.address === 0x2a).map((w) => [w.register, ...w.bytes]);
    expect(toChip.slice(0, 6)).toEqual([[0x00, 0x01], [0x00, 0x02], [0x01, 0x27], [0x00, 0x86], [0x00, 0x96], [0x02, 0x04]]);
  });

  it("after a brown-out no reset count is a weight: invalid, naming why, then the same weight once set up again", async () => {
    const from = journal.samples.length;
    cell.brownOut(); // ADCO 0 would read (0 - tare) x span: -4.3 kg, inside the bin's range
    await waitFor("converting again", () => cell.converting, { timeoutMs: 10_000 });
    await waitFor("a good weight again", () => journal.latest("grain-bin-kg")?.quality === "good" && journal.samples.length > from + 3, { timeoutMs: 10_000 });
    const between = journal.since("grain-bin-kg", from);
    expect(between.some((r) => r.quality === "invalid"), "the reset chip was noticed").toBe(true);
    // On a loaded machine the emulated firmware may answer later than the stale time (three polls):
    // that reading is, truthfully, "does not answer".
    for (const r of between.filter((x) => x.quality !== "good")) expect(r.warning).toMatch(/NAU7802 is not converting \(PU_CTRL 0x0\): it reset or lost power|0x2a \(nau7802\) does not answer/);
    for (const r of between.filter((x) => x.quality === "good")) expect(r.value).toBeCloseTo(150, 2);
  });

  it("a sack taken out is seen as the new weight", async () => {
    cell.load(countsFor(125));
    await waitFor("125 kg", () => Math.abs((journal.latest("grain-bin-kg")?.value ?? 0) - 125) < 0.01, { timeoutMs: 5_000 });
  });
});
