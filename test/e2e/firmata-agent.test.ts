// An edge agent on real Firmata bytes: johnny-five and firmata-io over serialport's mock binding,
// with a fake StandardFirmata board answering; readings reach the store calibrated.
import { afterAll, describe, expect, it } from "vitest";
import { loadBoardFile } from "../../edge/board/load.ts";
import { EdgeAgent } from "../../edge/agent.ts";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import { fakeFirmataBoard, type FirmataBoardFake } from "../helpers/firmata-board.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("edge agent on Firmata", () => {
  const dir = tempDir();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let agent: EdgeAgent;
  let board: FirmataBoardFake;
  afterAll(async () => {
    await agent?.stop();
    await board?.close();
    await gw?.stop();
    dir.remove();
  });

  it("reads a water board over Firmata and stores litres, flow and the pump contact", async () => {
    gw = await startTestGateway();
    // A0 north tank, A1 south tank, A2 cistern, A3 flow; pin 7 the pump contact.
    const counts = [511.5, 306.75, 716.25, 409];
    board = fakeFirmataBoard({ analog: (c) => counts[c] ?? 0, digital: (p) => (p === 7 ? 1 : 0) });
    const def = loadBoardFile("boards/water.yaml").board;
    agent = new EdgeAgent({
      board: { ...def, io: { kind: "firmata", path: board.path, baudRate: 57600 } },
      io: openFirmataIo({ path: board.path, baudRate: 57600, port: board.port }),
      gatewayUrl: gw.gateway.broker.url,
      dataDir: dir.path,
      log: testLog,
      sampleIntervalMs: 100,
    });
    await agent.start();
    const latest = await waitFor("every water sensor stored", async () => {
      const rows = await gw.gateway.store.latest();
      return rows.length >= 5 ? Object.fromEntries(rows.map((r) => [r.sensor, r])) : undefined;
    });
    // 512 counts (the ADC rounds): (512 - 102) / (921 - 102) x 10,000 L
    expect(latest["tank-north-level"]).toMatchObject({ unit: "L", quality: "good" });
    expect(latest["tank-north-level"].value).toBeCloseTo(((512 - 102) / 819) * 10_000, 3);
    expect(latest["cistern-level"].value).toBeCloseTo(((716 - 102) / 819) * 30_000, 3);
    expect(latest["main-flow"]).toMatchObject({ unit: "L/min" });
    expect(latest["main-flow"].value).toBeCloseTo(((409 - 205) / 818) * 60, 3);
    expect(latest["pump-running"]).toMatchObject({ value: 1, unit: "bool" });
    // The host asked the board for analog reports on A0..A3 (REPORT_ANALOG 0xC0|channel, 1).
    for (let ch = 0; ch < 4; ch++) expect(board.written.join(",")).toContain(`${0xc0 | ch},1`);
  });
});
