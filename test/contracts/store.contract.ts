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

    it("keeps an estimate as an estimate, with its value and its reason", async () => {
      await store.write([reading(11, { sensor: "estimate-probe", value: 4.2, unit: "days", quality: "estimate", warning: "less than 1 h of history: norm-based figure used", ts: T0 + 9 })]);
      const [row] = await store.query({ sensor: "estimate-probe", fromMs: T0 + 9, toMs: T0 + 9 });
      expect(row).toMatchObject({ seq: 11, value: 4.2, quality: "estimate", warning: "less than 1 h of history: norm-based figure used" });
      expect((await store.latest()).find((r) => r.sensor === "estimate-probe")).toMatchObject({ quality: "estimate", value: 4.2 });
    });

    it("summarises a sensor's good readings and estimates in buckets aligned to the bucket size, counting the estimates, leaving out invalid readings and empty buckets", async () => {
      const every = 60_000;
      const start = Math.floor(T0 / every) * every; // a bucket's start
      const probe = (seq: number, atMs: number, value: number | null, quality: StoredReading["quality"] = value === null ? "invalid" : "good") =>
        reading(1_000 + seq, { sensor: "summary-probe", ts: start + atMs, value, quality, ...(quality !== "good" ? { warning: "no answer" } : {}) });
      await store.write([
        probe(1, 0, 10), probe(2, 20_000, 20), probe(3, 59_999, 60), probe(4, 30_000, null), // first bucket: 10, 20, 60
        probe(5, 60_000, 5), // second bucket: 5
        // third bucket empty
        probe(6, 3 * every + 1, 7), probe(7, 3 * every + 2, 9), probe(8, 3 * every + 3, 11, "estimate"), // fourth bucket: 7, 9 and an estimate of 11
        probe(9, 4 * every + 5, 3, "estimate"), // fifth bucket: an estimate alone
      ]);
      const buckets = await store.summary({ sensor: "summary-probe", fromMs: start, toMs: start + 5 * every - 1, everyMs: every });
      expect(buckets).toEqual([
        { ts: start, min: 10, mean: 30, max: 60, count: 3, estimates: 0 },
        { ts: start + every, min: 5, mean: 5, max: 5, count: 1, estimates: 0 },
        { ts: start + 3 * every, min: 7, mean: 9, max: 11, count: 3, estimates: 1 },
        { ts: start + 4 * every, min: 3, mean: 3, max: 3, count: 1, estimates: 1 },
      ]);
      // A window starting inside a bucket counts only what is inside the window.
      expect(await store.summary({ sensor: "summary-probe", fromMs: start + 20_000, toMs: start + 60_000, everyMs: every })).toEqual([
        { ts: start, min: 20, mean: 40, max: 60, count: 2, estimates: 0 },
        { ts: start + every, min: 5, mean: 5, max: 5, count: 1, estimates: 0 },
      ]);
      expect(await store.summary({ sensor: "no-such-sensor", fromMs: start, toMs: start + every, everyMs: every })).toEqual([]);
    });

    it("answers an empty window with no rows", async () => {
      expect(await store.query({ sensor: "tank-north-level", fromMs: 0, toMs: 1000 })).toEqual([]);
    });
  });
}
