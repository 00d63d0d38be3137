// The spine end to end: simulated boards -> journal -> aedes -> ingest -> store -> ack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { startInfluxd, type Influxd } from "../helpers/start-influxd.ts";
import { drainAndCheck, startTestVillage, type TestVillage } from "../helpers/test-village.ts";
import { waitFor } from "../helpers/wait-for.ts";

const boards = loadBoardDir("boards");
const declared = boards.flatMap(({ board }) => board.sensors.map((s) => ({ device: board.id, sensor: s.id, unit: s.unit })));

describe("spine: every board reaches both stores", () => {
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.dispose();
  });

  for (const kind of ["embedded", "influxdb"] as const) {
    it(`every sensor of every board arrives in the ${kind} store with its declared unit`, async () => {
      const v = await startTestVillage(kind === "influxdb" ? { influxUrl: influxd.url } : {});
      try {
        const latest = await waitFor(`a reading of every sensor in ${kind}`, async () => {
          const rows = await v.gateway.store.latest();
          // Every declared sensor, not as many rows: the gateway keeps series of its own too (reserve figures).
          return declared.every((d) => rows.some((r) => r.sensor === d.sensor)) ? rows : undefined;
        });
        for (const d of declared) {
          const row = latest.find((r) => r.sensor === d.sensor);
          expect(row, d.sensor).toMatchObject({ device: d.device, unit: d.unit });
        }
        const tank = latest.find((r) => r.sensor === "tank-north-level")!;
        expect(tank.quality).toBe("good");
        expect(tank.value).toBeGreaterThan(1000);
        expect(tank.value).toBeLessThan(10_000);
        const counts = await drainAndCheck(v);
        expect(counts.every((c) => c.readings > 0)).toBe(true);
      } finally {
        await v.stop();
      }
    });
  }

  it("starts while influxd is down, keeps readings in the journals, and stores them once it is up", async () => {
    await influxd.stop();
    const v = await startTestVillage({ influxUrl: influxd.url });
    try {
      await waitFor("journals to hold readings", () => v.village.agents.reduce((n, a) => n + a.journal.stats().pending, 0) > 100);
      expect(v.gateway.ingest.counters.stored).toBe(0);
      await influxd.start();
      const counts = await drainAndCheck(v, 45_000);
      expect(counts.every((c) => c.readings > 0)).toBe(true);
    } finally {
      await v.stop();
    }
  });

  it("loses and doubles nothing when influxd is down for a while: journals grow, then drain", async () => {
    const v = await startTestVillage({ influxUrl: influxd.url });
    try {
      await waitFor("first acknowledgements", () => v.village.agents.every((a) => a.publisher.acknowledged > 0));
      await influxd.stop();
      const pendingAtStop = v.village.agents.reduce((n, a) => n + a.journal.stats().pending, 0);
      await waitFor("journals to grow while the store is down", () =>
        v.village.agents.reduce((n, a) => n + a.journal.stats().pending, 0) > pendingAtStop + 200,
      );
      expect(v.gateway.health().status).toBe("degraded");
      await influxd.start();
      const counts = await drainAndCheck(v, 45_000);
      expect(counts.reduce((n, c) => n + c.readings, 0)).toBeGreaterThan(200);
    } finally {
      await v.stop();
    }
  });
});

describe("spine: broker restart", () => {
  let v: TestVillage;
  afterAll(async () => {
    await v?.stop();
  });

  it("restarts the broker while agents publish: 0 readings lost, 0 duplicated, by (device, sequence)", async () => {
    v = await startTestVillage({ sampleIntervalMs: 50 });
    await waitFor("first acknowledgements", () => v.village.agents.every((a) => a.publisher.acknowledged > 50));
    await v.gateway.restartBroker();
    await waitFor("agents to reconnect", () => v.village.agents.every((a) => a.publisher.connected));
    await v.gateway.restartBroker();
    const counts = await drainAndCheck(v);
    expect(counts.reduce((n, c) => n + c.readings, 0)).toBeGreaterThan(200);
    expect(v.gateway.ingest.counters.rejected).toEqual({});
  });
});
