// Hardware in the loop, a board with both kinds of link: the reference water board on StandardFirmata
// (emulated ATmega328P) and a VE.Direct solar charger on a serial port of the Pi (a pseudo-terminal).
// The agent opens the instrument first; the Firmata port may then have opened before johnny-five
// looks at it, which once left the agent waiting for a board that had long answered. And when the
// Arduino's link dies, the charger's readings, on a link of their own, must go on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { EdgeAgent } from "../../edge/agent.ts";
import { agentOnUno } from "../helpers/agent-on-uno.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { veDirectBlock } from "../../edge/drivers/vedirect.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { openPty, type Pty } from "../helpers/pty.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { journalledSamples } from "../helpers/journalled-samples.ts";

const water = loadBoardFile("boards/water.yaml").board;
const battery = loadBoardFile("boards/kits/battery-node.yaml").board;
const ROUND_MS = 250;

describe("a Firmata board with a serial instrument (emulated ATmega328P and a VE.Direct pty)", () => {
  const dir = tempDir("cs-hil-mixed-");
  let uno: UnoEmulator;
  let charger: Pty;
  let agent: EdgeAgent;
  let sending: NodeJS.Timeout;
  let journal: ReturnType<typeof journalledSamples>;
  beforeAll(async () => {
    uno = await UnoEmulator.start();
    uno.adc(0, 2000);
    charger = await openPty();
    sending = setInterval(() => charger.send(veDirectBlock([["PID", "0xA057"], ["V", "51230"], ["I", "12400"], ["PPV", "652"], ["H19", "348211"]])), 300);
    const ve = battery.sensors.filter((s) => s.driver === "vedirect" && s.port === "/dev/ttyUSB0").map((s) => ({ ...s, port: charger.path }));
    agent = agentOnUno(uno, { ...water, sensors: [...water.sensors, ...ve] }, { dataDir: join(dir.path, "edge"), sampleIntervalMs: ROUND_MS });
    journal = journalledSamples(agent);
    // The port is open (about 0.6 s) long before the firmware has booted (about 2 s): wait for
    // the open before the agent starts, as a slow start of the instruments would.
    await new Promise((r) => setTimeout(r, 1_000));
    await agent.start();
  }, 60_000);
  afterAll(async () => {
    clearInterval(sending);
    await agent?.stop();
    await uno?.stop();
    await charger?.close();
    dir.remove();
  });

  const latest = (sensor: string) => journal.latest(sensor);

  it("starts, and reads both the tanks through the firmware and the charger on its own port", async () => {
    await waitFor("good tank and charger readings", () => latest("tank-north-level")?.quality === "good" && latest("bank-voltage")?.quality === "good", { timeoutMs: 15_000 });
    expect(latest("bank-voltage")!.value).toBeCloseTo(51.23, 2);
  });

  it("the Arduino's link dies: its readings go invalid, the charger's stay good", async () => {
    uno.pause();
    await waitFor("the tank invalid", () => latest("tank-north-level")?.quality === "invalid", { timeoutMs: 5_000 });
    const from = journal.samples.length;
    await new Promise((r) => setTimeout(r, 4 * ROUND_MS));
    const charger = journal.since("bank-voltage", from);
    expect(charger.length).toBeGreaterThan(2);
    expect(charger.every((s) => s.quality === "good"), JSON.stringify(charger.at(-1))).toBe(true);
    uno.resume();
    await waitFor("the tank good again", () => latest("tank-north-level")?.quality === "good", { timeoutMs: 30_000 });
    expect(latest("bank-voltage")!.quality).toBe("good");
  }, 40_000);
});
