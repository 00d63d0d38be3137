// The Pi's own I2C bus as an IO plugin: register pointer writes and reads through an i2c-bus-like
// bus (a fake chip where the hardware would be), johnny-five on top, and an agent storing an
// INA226's readings at the gateway with no Arduino in between.
import { afterAll, describe, expect, it } from "vitest";
import five from "johnny-five";
import { LinuxI2cIo, type I2cBusLike } from "../../../edge/io/linux-i2c-io.ts";
import { EdgeAgent } from "../../../edge/agent.ts";
import { loadBoardDir } from "../../../protocol/board/load.ts";
import { boardSchema } from "../../../protocol/board/schema.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

/** Chips with 16-bit registers behind a pointer, like the INA226: a write of one byte sets it. */
function fakeBus(chips: Map<number, Record<number, number[]>>) {
  const pointer = new Map<number, number>();
  const log: string[] = [];
  const bus: I2cBusLike & { log: string[] } = {
    log,
    async i2cWrite(address, length, buffer) {
      const chip = chips.get(address);
      if (!chip) throw new Error("EIO: remote I/O error");
      log.push(`w ${address.toString(16)} ${[...buffer.subarray(0, length)].map((b) => b.toString(16)).join(" ")}`);
      pointer.set(address, buffer[0]);
      if (length > 1) chip[buffer[0]] = [...buffer.subarray(1, length)];
      return length;
    },
    async i2cRead(address, length, buffer) {
      const chip = chips.get(address);
      if (!chip) throw new Error("EIO: remote I/O error");
      const start = pointer.get(address) ?? 0;
      // Like an INA226, the pointer does not advance: a long read repeats the register.
      const bytes = Array.from({ length }, (_, k) => (chip[start] ?? [])[k % 2] ?? 0);
      Buffer.from(bytes).copy(buffer);
      return { bytesRead: bytes.length, buffer };
    },
    async close() {},
  };
  return bus;
}

describe("the Pi's I2C bus", () => {
  const dir = tempDir();
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  let agent: EdgeAgent | undefined;
  afterAll(async () => {
    await agent?.stop();
    await gw?.stop();
    dir.remove();
  });

  it("reads registers through a pointer write, and gives no reply for a silent address", async () => {
    const bus = fakeBus(new Map([[0x40, { 0x02: [0x25, 0x80] }]]));
    const io = new LinuxI2cIo(async () => bus);
    const board = new five.Board({ io, repl: false, debug: false, sigint: false } as five.BoardOption);
    await new Promise<void>((resolve) => board.on("ready", () => resolve()));
    io.i2cWrite(0x40, [0x00, 0x45, 0x27]);
    const bytes = await new Promise<number[]>((resolve) => io.i2cReadOnce(0x40, 0x02, 2, resolve));
    expect(bytes).toEqual([0x25, 0x80]);
    expect(bus.log).toEqual(["w 40 0 45 27", "w 40 2"]);
    let replied = false;
    io.i2cReadOnce(0x41, 0x02, 2, () => (replied = true));
    await waitFor("the error to be kept", () => io.lastError !== undefined);
    expect(replied).toBe(false);
    expect(io.lastError).toBe("I2C 0x41: EIO: remote I/O error");
  });

  it("runs an agent whose board is only the Pi and an INA226", async () => {
    const board = boardSchema.parse({
      id: "shunt-pi", domain: "power", name: "Shunt on the Pi", io: { kind: "linux-i2c", bus: 1 },
      sensors: [
        { id: "pi-bank-volts", driver: "ina226", address: 0x40, quantity: "voltage", shuntOhms: 0.002 },
        { id: "pi-bank-amps", driver: "ina226", address: 0x40, quantity: "current", shuntOhms: 0.002 },
      ],
    });
    gw = await startTestGateway({}, [...loadBoardDir("boards"), { file: "shunt-pi.yaml", board }]);
    const bus = fakeBus(new Map([[0x40, { 0x01: [0xfc, 0x18], 0x02: [0x25, 0x80] }]])); // -2.5 mV, 12.0 V
    agent = new EdgeAgent({ board, io: new LinuxI2cIo(async () => bus), gatewayUrl: gw.gateway.broker.url, dataDir: dir.path, log: testLog, sampleIntervalMs: 100 });
    await agent.start();
    const rows = await waitFor("both stored", async () => {
      const latest = Object.fromEntries((await gw!.gateway.store.latest()).map((r) => [r.sensor, r]));
      return latest["pi-bank-volts"]?.quality === "good" && latest["pi-bank-amps"]?.quality === "good" ? latest : undefined;
    });
    expect(rows["pi-bank-volts"]).toMatchObject({ value: 12, unit: "V" });
    expect(rows["pi-bank-amps"].value).toBeCloseTo(-1.25, 9);
  });
});
