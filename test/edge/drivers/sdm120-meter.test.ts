// An SDM120 on Modbus RTU over a pseudo-terminal, read with modbus-serial: values in protocol
// units, and a meter that stops answering makes readings fail with what to check.
import { afterEach, describe, expect, it } from "vitest";
import { Sdm120Meter } from "../../../edge/instruments/sdm120-meter.ts";
import { openPty, type Pty } from "../../helpers/pty.ts";
import { floatRegisters, serveModbusMeter } from "../../helpers/modbus-meter.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

describe("SDM120 over Modbus RTU", () => {
  let pty: Pty | undefined;
  let meter: Sdm120Meter | undefined;
  afterEach(async () => {
    await meter?.stop();
    await pty?.close();
  });

  it("reads voltage and energy, then reports a meter that stops answering", async () => {
    pty = await openPty();
    let answering = true;
    const served = serveModbusMeter(pty, 7, () => floatRegisters({ 0x0000: 231.2, 0x0156: 52.75 }));
    const answer = pty.onReceive!;
    pty.onReceive = (bytes) => {
      if (answering) answer(bytes); // a meter with loose wires hears nothing and says nothing
    };
    meter = new Sdm120Meter({ path: pty.path, baudRate: 2400, modbusId: 7, quantities: ["voltage", "energy"], log: testLog, pollMs: 200 });
    meter.start();
    await waitFor("both read", () => {
      try {
        return meter!.read("voltage") > 0 && meter!.read("energy") > 0;
      } catch {
        return false;
      }
    });
    expect(meter.read("voltage")).toBeCloseTo(231.2, 3);
    expect(meter.read("energy")).toBeCloseTo(52_750, 1);
    expect(served.requests).toBeGreaterThanOrEqual(2);
    expect(() => meter!.read("power")).toThrow(/no power/); // not configured on this meter

    answering = false; // the RS-485 wires come loose
    await waitFor("the meter's silence reported", () => meter!.warnings().some((w) => /no answer/.test(w)), { timeoutMs: 10_000 });
    await waitFor("the readings to go stale", () => {
      try {
        meter!.read("voltage");
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: 10_000 });
    expect(() => meter!.read("voltage")).toThrow(/^SDM120 \/dev\/pts\/\d+ id 7: no voltage for 1 s: no answer \(.*\): check the meter's address, baud rate and the A\/B wires$/);
  });
});
