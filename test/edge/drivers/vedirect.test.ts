// VE.Direct: the parser on bytes, then a charge controller on a pseudo-terminal read through the
// real serialport binding, with good, corrupted and torn blocks, and the cable pulled.
import { afterEach, describe, expect, it } from "vitest";
import { VeDirectParser, veDirectBlock, veDirectFields, veDirectValue, veDirectWarnings, type VeDirectFields } from "../../../edge/drivers/vedirect.ts";
import { VeDirectPort } from "../../../edge/instruments/vedirect-port.ts";
import { openPty, type Pty } from "../../helpers/pty.ts";
import { rmSync, symlinkSync } from "node:fs";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

// The fields and their order as a BlueSolar MPPT 75/15 (PID 0xA042) sends them.
const mppt = (v: number, i: number, ppv: number, err = "0"): Array<[string, string]> => [
  ["PID", "0xA042"], ["FW", "150"], ["SER#", "HQ1328Y6TF6"], ["V", String(v)], ["I", String(i)], ["VPV", "18540"],
  ["PPV", String(ppv)], ["CS", "3"], ["MPPT", "2"], ["ERR", err], ["LOAD", "ON"], ["IL", "300"], ["H19", "10282"],
  ["H20", "5"], ["H21", "21"], ["H22", "33"], ["H23", "70"], ["HSDS", "104"],
];
// A BMV-712 battery monitor's first block, with an alarm raised.
const bmv: Array<[string, string]> = [["V", "24120"], ["I", "-3250"], ["P", "-78"], ["CE", "-32100"], ["SOC", "876"], ["TTG", "-1"], ["Alarm", "ON"], ["Relay", "OFF"], ["AR", "5"]];

function parse(bytes: Buffer) {
  const parser = new VeDirectParser();
  const frames: VeDirectFields[] = [];
  const errors: string[] = [];
  parser.on("frame", (f) => frames.push(f));
  parser.on("error", (e) => errors.push(e));
  parser.push(bytes);
  return { frames, errors };
}

describe("VE.Direct parser", () => {
  it("accepts blocks whose bytes sum to 0 and converts fields to protocol units", () => {
    const { frames, errors } = parse(Buffer.concat([veDirectBlock(mppt(12540, 40, 5)), veDirectBlock(mppt(12560, -120, 0))]));
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(2);
    expect(veDirectValue(frames[0], "V")).toBeCloseTo(12.54, 6);
    expect(veDirectValue(frames[1], "I")).toBeCloseTo(-0.12, 6);
    expect(veDirectValue(frames[0], "H19")).toBe(102_820);
    expect(veDirectValue(frames[0], "VPV")).toBeCloseTo(18.54, 6);
  });

  it("reads a battery monitor: state of charge in per mille and alarm reasons; its time to go is no field to read", () => {
    const { frames } = parse(Buffer.concat([veDirectBlock(bmv), veDirectBlock(bmv)]));
    expect(veDirectValue(frames[1], "SOC")).toBeCloseTo(87.6, 6);
    // "-1" is its infinite: no number stands in for it (the gateway's days left say "no end").
    expect(Object.keys(veDirectFields)).not.toContain("TTG");
    expect(veDirectWarnings(frames[1])).toEqual(["battery monitor alarm: low voltage, low state of charge"]);
    expect(() => veDirectValue(frames[1], "PPV")).toThrow(/does not send PPV/);
  });

  it("rejects a block with one flipped bit, then accepts the next", () => {
    const good = veDirectBlock(mppt(12540, 40, 5));
    const bad = Buffer.from(good);
    bad[30] ^= 0x04;
    const { frames, errors } = parse(Buffer.concat([good, bad, good]));
    expect(frames).toHaveLength(2);
    expect(errors).toEqual([expect.stringMatching(/checksum mismatch/)]);
  });

  it("ignores HEX-protocol messages interleaved with text blocks", () => {
    const block = veDirectBlock(mppt(12540, 40, 5));
    const hex = Buffer.from(":A0102000543\n");
    const { frames, errors } = parse(Buffer.concat([block, block.subarray(0, 40), hex, block.subarray(40)]));
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(2);
  });

  it("says nothing about the partial block it joins when a port opens mid-stream", () => {
    const block = veDirectBlock(mppt(12540, 40, 5));
    const { frames, errors } = parse(Buffer.concat([block.subarray(25), block]));
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
  });

  it("reports a charger error code in words", () => {
    const { frames } = parse(Buffer.concat([veDirectBlock(mppt(12540, 40, 5, "17")), veDirectBlock(mppt(12540, 40, 5, "17"))]));
    expect(veDirectWarnings(frames[0])).toEqual(["charger error 17: charger temperature too high"]);
  });
});

describe("VE.Direct over a pseudo-terminal", () => {
  let pty: Pty | undefined;
  let port: VeDirectPort | undefined;
  afterEach(async () => {
    await port?.stop();
    await pty?.close();
  });

  it("reads fields, rejects corrupted and torn blocks with a warning, and says so when the cable is gone", async () => {
    pty = await openPty();
    // The adapter's stable name, as udev gives it; it disappears when the adapter is pulled. (The
    // /dev/pts number itself is soon reused by another test's pseudo-terminal.)
    const dir = tempDir();
    const stable = `${dir.path}/usb-VictronEnergy_VE_Direct_cable`;
    symlinkSync(pty.path, stable);
    port = new VeDirectPort({ path: stable, log: testLog, staleMs: 1_500, reopenMs: 200 });
    port.start();
    await waitFor("port open", () => port!.link.problem === undefined);
    pty.send(veDirectBlock(mppt(12540, 40, 5)));
    await waitFor("a first block", () => port!.goodBlocks >= 1);
    expect(port.read("V")).toBeCloseTo(12.54, 6);

    const corrupted = veDirectBlock(mppt(12999, 40, 5));
    corrupted[20] ^= 0x10;
    pty.send(corrupted);
    const torn = veDirectBlock(mppt(13100, 40, 5));
    pty.send(Buffer.concat([torn.subarray(0, 50), torn.subarray(70)])); // bytes lost on the line
    pty.send(veDirectBlock(mppt(12600, -200, 0)));
    await waitFor("the next good block", () => port!.goodBlocks >= 2);
    expect(port.badBlocks).toBeGreaterThanOrEqual(2); // a torn block may break in two places
    expect(port.read("V")).toBeCloseTo(12.6, 6); // never the corrupted 12.999 or torn 13.1
    expect(port.warnings()).toEqual([expect.stringMatching(/(checksum mismatch|broken).*\(\d+ rejected so far\)/)]);

    rmSync(stable); // the USB adapter is pulled: its name goes, then the device
    await pty.close();
    await waitFor("the link to notice", () => port!.link.problem !== undefined);
    await waitFor("the last block to go stale", () => {
      try {
        port!.read("V");
        return false;
      } catch {
        return true;
      }
    });
    expect(() => port!.read("V")).toThrow(/no valid VE.Direct block .*(closed|cannot open|Input\/output)/);
    dir.remove();
  });
});

describe("a battery monitor's two blocks (BMV-712)", () => {
  let pty: Pty | undefined;
  let port: VeDirectPort | undefined;
  afterEach(async () => {
    await port?.stop();
    await pty?.close();
  });

  it("keeps each field from its own block: state of charge stays readable after a history block", async () => {
    pty = await openPty();
    port = new VeDirectPort({ path: pty.path, log: testLog, staleMs: 60_000 });
    port.start();
    await waitFor("port open", () => port!.link.problem === undefined);
    // The BMV-712 sends its readings and its history (H1 ...) in turn, one block a second.
    const history: Array<[string, string]> = [["H1", "-102345"], ["H2", "-30000"], ["H3", "-67000"], ["H4", "12"], ["H5", "0"], ["H6", "-9000000"], ["H7", "23900"], ["H8", "29000"], ["H9", "3600"], ["H10", "5"], ["H11", "0"], ["H12", "0"], ["H17", "1200"], ["H18", "1400"]];
    for (let i = 0; i < 20; i++) pty.send(veDirectBlock(i % 2 ? history : bmv));
    await waitFor("twenty blocks", () => port!.goodBlocks >= 19); // the first may be joined mid-way
    expect(port.read("SOC")).toBeCloseTo(87.6, 6); // the last block was the history block
    expect(port.read("V")).toBeCloseTo(24.12, 6);
  });
});

describe("VE.Direct cable pulled and plugged back in", () => {
  it("reopens the port by its stable name and reads again", async () => {
    const dir = tempDir();
    // A real Pi names the adapter /dev/serial/by-id/usb-VictronEnergy_...; a symlink here.
    const stable = `${dir.path}/usb-VictronEnergy_VE_Direct_cable`;
    const first = await openPty();
    symlinkSync(first.path, stable);
    const port = new VeDirectPort({ path: stable, log: testLog, staleMs: 1_000, reopenMs: 100 });
    port.start();
    try {
      await waitFor("port open", () => port.link.problem === undefined);
      first.send(veDirectBlock(mppt(12540, 40, 5)));
      await waitFor("a first block", () => port.goodBlocks >= 1);
      rmSync(stable); // pulled: the name goes first, so a reused /dev/pts number is never reopened
      await first.close();
      await waitFor("the link to notice", () => port.link.problem !== undefined);
      expect(port.warnings().join()).toMatch(/closed|cannot open|Input\/output/);
      const second = await openPty(); // plugged back in: the by-id name points at the new device
      symlinkSync(second.path, stable);
      await waitFor("reopened", () => port.link.problem === undefined, { timeoutMs: 10_000 });
      // The controller sends a block every second, whether or not anyone listens.
      const sending = setInterval(() => second.send(veDirectBlock(mppt(12620, 40, 5))), 200);
      await waitFor("a block after reconnecting", () => {
        try {
          return port.read("V") > 12.6;
        } catch {
          return false;
        }
      }, { timeoutMs: 20_000 });
      clearInterval(sending);
      expect(port.read("V")).toBeGreaterThan(12.6);
      await port.stop();
      await second.close();
    } finally {
      await port.stop();
      dir.remove();
    }
  });
});
