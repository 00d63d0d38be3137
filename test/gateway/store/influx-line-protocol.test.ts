// The InfluxDB store writes line protocol it builds itself. Databases that the `influx` package's
// writePoints filled before must stay writable: InfluxDB refuses a point whose field changes type.
import { InfluxDB } from "influx";
import { afterAll, beforeAll, expect, it } from "vitest";
import { InfluxStore } from "../../../gateway/store/influx-store.ts";
import { startInfluxd, type Influxd } from "../../helpers/start-influxd.ts";

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
let influxd: Influxd;

beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(async () => {
  await influxd?.dispose();
});

it("writes into a database that writePoints filled, with the same field types and tags", async () => {
  const url = new URL(influxd.url);
  const client = new InfluxDB({ host: url.hostname, port: Number(url.port), database: "before" });
  await client.createDatabase("before");
  // The shape the store wrote through writePoints up to now.
  await client.writePoints(
    [
      {
        measurement: "reading",
        tags: { device: "water-main", sensor: "tank-north-level", unit: "L", quality: "good", clock: "synced" },
        fields: { seq: 1, value: 5001 },
        timestamp: (BigInt(T0) * 1_000_000n + 1n).toString(),
      },
    ],
    { precision: "n" },
  );

  const store = new InfluxStore({ url: influxd.url, database: "before" });
  await store.start();
  await store.write([
    { device: "water-main", seq: 2, sensor: "tank-north-level", value: 5002.5, unit: "L", quality: "good", ts: T0 + 1000, clock: "synced" },
    { device: "water-main", seq: 3, sensor: "tank-north-level", value: null, unit: "L", quality: "invalid", ts: T0 + 2000, clock: "corrected", warning: "no echo" },
  ]);
  const rows = await store.query({ sensor: "tank-north-level", fromMs: T0, toMs: T0 + 2000 });
  expect(rows).toEqual([
    { device: "water-main", seq: 1, sensor: "tank-north-level", value: 5001, unit: "L", quality: "good", ts: T0, clock: "synced" },
    { device: "water-main", seq: 2, sensor: "tank-north-level", value: 5002.5, unit: "L", quality: "good", ts: T0 + 1000, clock: "synced" },
    { device: "water-main", seq: 3, sensor: "tank-north-level", value: null, unit: "L", quality: "invalid", ts: T0 + 2000, clock: "corrected", warning: "no echo" },
  ]);
  // Each field keeps one type across both writers.
  const types = await client.query<{ fieldKey: string; fieldType: string }>("SHOW FIELD KEYS FROM reading");
  expect(Object.fromEntries(types.map((t) => [t.fieldKey, t.fieldType]))).toEqual({ seq: "float", value: "float", warning: "string" });
  await store.stop();
});

it("refuses a reading whose timestamp is not whole milliseconds, naming it, and writes nothing of the batch", async () => {
  const store = new InfluxStore({ url: influxd.url, database: "refused" });
  await store.start();
  const good = { device: "water-main", seq: 1, sensor: "tank-north-level", value: 1, unit: "L" as const, quality: "good" as const, ts: T0, clock: "synced" as const };
  await expect(store.write([good, { ...good, seq: 2, ts: T0 + 0.5 }])).rejects.toThrow("reading water-main/2: ts");
  expect(await store.sequences("water-main")).toEqual([]);
  await store.stop();
});

it("writes lines longer than it set room for, in UTF-8, whole: a unit and warnings beyond ASCII", async () => {
  const store = new InfluxStore({ url: influxd.url, database: "wide" });
  await store.start();
  const reading = (seq: number, warning: string) => ({
    device: "greenhouse", seq, sensor: "air-temp", value: 20 + seq / 10, unit: "°C" as const, quality: "estimate" as const, ts: T0 + seq * 1000, clock: "synced" as const, warning,
  });
  // A line of 200 three-byte characters, alone in its batch; then characters line protocol escapes.
  const alone = reading(1, "≈".repeat(200));
  const mixed = [2, 3, 4].map((seq) => reading(seq, 'Fühler "nass", Wert geschätzt = ≈ '.repeat(6).slice(0, 200)));
  await store.write([alone]);
  await store.write(mixed);
  expect(await store.query({ sensor: "air-temp", fromMs: T0, toMs: T0 + 5000 })).toEqual([alone, ...mixed]);
  await store.stop();
});
