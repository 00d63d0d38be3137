// One suite for every Store implementation (MQTT.js's abstractTest pattern).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store, StoredReading } from "../../gateway/store/store.ts";

export interface StoreFixture {
  store: Store;
  dispose(): Promise<void>;
}

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

function reading(seq: number, over: Partial<StoredReading> = {}): StoredReading {
  return {
    device: "water-main",
    seq,
    sensor: "tank-north-level",
    value: 5000 + seq,
    unit: "L",
    quality: "good",
    ts: T0 + seq * 10_000,
    clock: "synced",
    ...over,
  };
}

export function storeContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeAll(async () => {
      fixture = await makeStore();
      store = fixture.store;
      await store.start();
    });
    afterAll(async () => {
      await store?.stop();
      await fixture?.dispose();
    });

    it("returns written readings with their units, values and timestamps", async () => {
      await store.write([reading(1), reading(2), reading(3)]);
      const rows = await store.query({ sensor: "tank-north-level", fromMs: T0, toMs: T0 + 40_000 });
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(rows[0]).toMatchObject({ device: "water-main", unit: "L", value: 5001, ts: T0 + 10_000, quality: "good" });
      expect(store.health().state).toBe("up");
    });

    it("keeps one copy when the same (device, seq) is written twice", async () => {
      await store.write([reading(4)]);
      await store.write([reading(4), reading(5)]);
      expect(await store.sequences("water-main")).toEqual([1, 2, 3, 4, 5]);
    });

    it("stores an invalid reading without a value and with its warning", async () => {
      await store.write([reading(6, { value: null, quality: "invalid", warning: "check the float cable" })]);
      const [row] = await store.query({ sensor: "tank-north-level", fromMs: T0 + 60_000, toMs: T0 + 60_000 });
      expect(row).toMatchObject({ seq: 6, value: null, quality: "invalid", warning: "check the float cable" });
    });

    it("keeps a warning's quotes, backslashes, commas and line breaks as they were", async () => {
      const warning = 'float "stuck", reads 3\\4 = x\nsee the log';
      await store.write([reading(10, { value: null, quality: "invalid", warning, ts: T0 + 7 })]);
      const [row] = await store.query({ sensor: "tank-north-level", fromMs: T0 + 7, toMs: T0 + 7 });
      expect(row).toMatchObject({ seq: 10, warning });
    });

    it("keeps readings that share a millisecond apart", async () => {
      await store.write([
        reading(7, { ts: T0 + 1, clock: "estimated" }),
        reading(8, { ts: T0 + 1, clock: "estimated" }),
      ]);
      const rows = await store.query({ sensor: "tank-north-level", fromMs: T0 + 1, toMs: T0 + 1 });
      expect(rows.map((r) => r.seq).sort()).toEqual([7, 8]);
    });

    it("keeps every digit of sequence numbers across a million and at a clock-based journal start", async () => {
      // A journal started with the clock set numbers from unix seconds x 1000 (edge/journal).
      const seqs = [999_999, 1_000_000, 1_000_001, 1_764_690_000_001, 1_764_690_999_999, 1_764_691_000_000];
      const device = "seq-digits";
      await store.write(seqs.map((seq, i) => reading(seq, { device, sensor: "seq-digits-level", ts: T0 + 3_000 + i })));
      expect(await store.sequences(device)).toEqual(seqs);
      const rows = await store.query({ sensor: "seq-digits-level", fromMs: T0 + 3_000, toMs: T0 + 3_005 });
      expect(rows.map((r) => [r.seq, r.ts])).toEqual(seqs.map((seq, i) => [seq, T0 + 3_000 + i]));
    });

    it("gives the latest reading of every sensor", async () => {
      await store.write([reading(9, { sensor: "cistern-level", value: 20_000, ts: T0 + 5 })]);
      const latest = await store.latest();
      const bySensor = Object.fromEntries(latest.map((r) => [r.sensor, r]));
      expect(bySensor["cistern-level"]).toMatchObject({ seq: 9, value: 20_000 });
      expect(bySensor["tank-north-level"]).toMatchObject({ seq: 6 });
    });

    it("answers an empty window with no rows", async () => {
      expect(await store.query({ sensor: "tank-north-level", fromMs: 0, toMs: 1000 })).toEqual([]);
    });
  });
}
