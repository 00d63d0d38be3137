// The embedded store's writer, on its own thread: inserts and retention run here, so the fsync of
// each commit (synchronous=FULL, slow on an SD card) never stalls the broker's event loop, and
// readings arriving meanwhile join the next batch. Plain JavaScript because a worker thread does
// not inherit the TypeScript loader of every host (tsx, vitest).
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

/** @type {{ path: string }} The store's main thread has created the schema. */
const { path } = workerData;
const db = new Database(path);
db.pragma("journal_mode = WAL");
// FULL: the gateway acknowledges after commit and the edge then deletes its copy, so a commit
// must survive a power cut, not only a process crash (NORMAL in WAL mode defers the fsync).
db.pragma("synchronous = FULL");

const insert = db.prepare(
  "INSERT OR IGNORE INTO readings (device, seq, sensor, ts, value, unit, quality, clock, warning) VALUES (?,?,?,?,?,?,?,?,?)",
);
/** Values of each reading in the INSERT's column order, flat (see EmbeddedStore.write). */
const COLUMNS = 9;
/** @param {Array<string | number | null>} v */
const write = db.transaction((v) => {
  for (let i = 0; i < v.length; i += COLUMNS) insert.run(v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8]);
});
const fold = db.prepare(
  `INSERT INTO readings_hourly (sensor, hour_ms, device, unit, min, mean, max, count)
   SELECT sensor, (ts / 3600000) * 3600000 AS h, device, unit, min(value), avg(value), max(value), count(value)
   FROM readings WHERE ts < ? AND quality = 'good' GROUP BY sensor, h
   ON CONFLICT (sensor, hour_ms) DO UPDATE SET
     min = min(readings_hourly.min, excluded.min), max = max(readings_hourly.max, excluded.max),
     mean = (readings_hourly.mean * readings_hourly.count + excluded.mean * excluded.count) / (readings_hourly.count + excluded.count),
     count = readings_hourly.count + excluded.count`,
);
const dropRaw = db.prepare("DELETE FROM readings WHERE ts < ?");
const dropHourly = db.prepare("DELETE FROM readings_hourly WHERE hour_ms < ?");
/** Folds raw readings past retention into hourly rows, then drops expired hourly rows. */
const compact = db.transaction((/** @type {number} */ rawCutoff, /** @type {number} */ hourlyCutoff) => {
  fold.run(rawCutoff);
  dropRaw.run(rawCutoff);
  dropHourly.run(hourlyCutoff);
});

parentPort?.on("message", (/** @type {{ id: number, op: string, values?: Array<string | number | null>, rawCutoff?: number, hourlyCutoff?: number }} */ m) => {
  try {
    if (m.op === "write") write(m.values ?? []);
    else if (m.op === "compact") compact(m.rawCutoff, m.hourlyCutoff);
    else if (m.op === "close") db.close();
    parentPort?.postMessage({ id: m.id, ok: true });
  } catch (err) {
    parentPort?.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
  if (m.op === "close") parentPort?.close();
});
