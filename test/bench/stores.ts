// Store writers against their own baselines: the embedded store against raw better-sqlite3 at the
// same batch size, and the InfluxDB writer against its batch-size-1 mode.
import Database from "better-sqlite3";
import { join } from "node:path";
import { EmbeddedStore } from "../../gateway/store/embedded-store.ts";
import { SAMPLES_TABLE } from "../../gateway/store/embedded-schema.ts";
import { InfluxStore } from "../../gateway/store/influx-store.ts";
import type { StoredReading } from "../../gateway/store/store.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const T0 = Date.now() - 3_600_000;

function readings(from: number, count: number): StoredReading[] {
  return Array.from({ length: count }, (_, i) => ({
    device: "water-main", seq: from + i, sensor: "tank-north-level", value: 5000 + (i % 100), unit: "L", quality: "good", ts: T0 + from + i, clock: "synced",
  }));
}

/** The round whose ratio is the median of all rounds' ratios. */
function medianRound<T>(results: T[], ratio: (r: T) => number): T {
  return [...results].sort((a, b) => ratio(a) - ratio(b))[Math.floor(results.length / 2)];
}

export async function embeddedVsRaw(total: number, batch: number, rounds = 3): Promise<{ store: number; raw: number }> {
  // A warm-up round, so neither side pays the JIT for the other, then the round with the median
  // ratio: a burst of other work on the machine (influxd compacting) hits one round, not the figure.
  await embeddedVsRawOnce(total, batch);
  const results: Array<{ store: number; raw: number }> = [];
  for (let i = 0; i < rounds; i++) results.push(await embeddedVsRawOnce(total, batch));
  return medianRound(results, (r) => r.store / r.raw);
}

async function embeddedVsRawOnce(total: number, batch: number): Promise<{ store: number; raw: number }> {
  const dir = tempDir("cs-bench-sqlite-");
  const store = new EmbeddedStore({ dataDir: join(dir.path, "store") });
  await store.start();
  let started = performance.now();
  for (let i = 0; i < total; i += batch) await store.write(readings(i + 1, batch));
  const storeRate = total / ((performance.now() - started) / 1000);
  await store.stop();

  // The same table, pragmas (FULL, as the store commits) and statements (100 rows per INSERT, as
  // the writer thread), without the Store around it: no thread hop, no dictionary lookups.
  const db = new Database(join(dir.path, "raw.db"));
  db.pragma("page_size = 1024");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(SAMPLES_TABLE("samples"));
  const ROWS = 100;
  const insert = db.prepare(`INSERT OR IGNORE INTO samples (series, ts, seq, value, quality, clock, warning) VALUES ${Array(ROWS).fill("(?,?,?,?,?,?,?)").join(",")}`);
  const args: Array<number | null> = new Array(ROWS * 7).fill(null);
  const write = db.transaction((rows: StoredReading[]) => {
    for (let i = 0; i < rows.length; i += ROWS) {
      // batch is a multiple of ROWS here
      for (let j = 0; j < ROWS; j++) {
        const r = rows[i + j];
        args.splice(j * 7, 7, 1, r.ts, r.seq, r.value, 0, 0, null);
      }
      insert.run(args);
    }
  });
  started = performance.now();
  for (let i = 0; i < total; i += batch) write(readings(i + 1, batch));
  const rawRate = total / ((performance.now() - started) / 1000);
  db.close();
  dir.remove();
  return { store: storeRate, raw: rawRate };
}

export async function influxBatchVsSingle(url: string, batched: number, single: number, rounds = 3): Promise<{ batched: number; single: number }> {
  const store = new InfluxStore({ url, database: `bench_writer_${Date.now()}` });
  await store.start();
  // Interleaved rounds and the one with the median ratio, as for the embedded store: one slow
  // second of influxd's (a compaction) would otherwise decide the figure.
  const results: Array<{ batched: number; single: number }> = [];
  let next = 1;
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    for (let i = 0; i < batched; i += 5000, next += 5000) await store.write(readings(next, 5000));
    const batchedRate = batched / ((performance.now() - started) / 1000);
    started = performance.now();
    for (let i = 0; i < single; i++, next++) await store.write(readings(next, 1));
    const singleRate = single / ((performance.now() - started) / 1000);
    results.push({ batched: batchedRate, single: singleRate });
  }
  await store.stop();
  return medianRound(results, (r) => r.batched / r.single);
}
