// The embedded store's writer, on its own thread: inserts and retention run here, so the fsync of
// each commit (synchronous=FULL, slow on an SD card) never stalls the broker's event loop, and
// readings arriving meanwhile join the next batch. Plain JavaScript because a worker thread does
// not inherit the TypeScript loader of every host (tsx, vitest).
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

/**
 * @type {{ path: string, columns: number, good: number, estimate: number }} The store's main thread
 * has created the schema; `columns` is how many numbers each reading takes in a batch (see
 * EmbeddedStore.write); `good` and `estimate` are the quality codes folded into hourly rows.
 */
const { path, columns: COLUMNS, good: GOOD, estimate: ESTIMATE } = workerData;
const db = new Database(path);
db.pragma("journal_mode = WAL");
// FULL: the gateway acknowledges after commit and the edge then deletes its copy, so a commit
// must survive a power cut, not only a process crash (NORMAL in WAL mode defers the fsync).
db.pragma("synchronous = FULL");

const INSERT_SAMPLES = "INSERT OR IGNORE INTO samples (series, ts, seq, value, quality, clock, warning) VALUES ";
/** Values per row of INSERT_SAMPLES. */
const ARGS = 7;
const insert = db.prepare(`${INSERT_SAMPLES}(?,?,?,?,?,?,?)`);
/** Rows per multi-row INSERT: one statement step for many rows costs a third less per reading. */
const ROWS_PER_INSERT = 100;
const insertMany = db.prepare(INSERT_SAMPLES + Array(ROWS_PER_INSERT).fill("(?,?,?,?,?,?,?)").join(","));
const manyArgs = new Array(ROWS_PER_INSERT * ARGS);
const findDevice = db.prepare("SELECT id FROM devices WHERE device = ?").pluck();
const addDevice = db.prepare("INSERT INTO devices (device) VALUES (?)");
const findSeries = db.prepare("SELECT id FROM series WHERE device = ? AND sensor = ? AND unit = ?").pluck();
const addSeries = db.prepare("INSERT INTO series (device, sensor, unit) VALUES (?,?,?)");

/** Dictionary ids by name and by "device\nsensor\nunit": this thread is the only writer. */
const deviceIds = new Map();
/** @type {Map<string, number>} */
const seriesIds = new Map();

/** @param {string} name */
function deviceId(name) {
  let id = deviceIds.get(name);
  if (id === undefined) {
    id = /** @type {number | undefined} */ (findDevice.get(name)) ?? Number(addDevice.run(name).lastInsertRowid);
    deviceIds.set(name, id);
  }
  return id;
}

/** @param {string} device @param {string} sensor @param {string} unit */
function seriesOf(device, sensor, unit) {
  const key = `${device}\n${sensor}\n${unit}`;
  let id = seriesIds.get(key);
  if (id === undefined) {
    const d = deviceId(device);
    id = /** @type {number | undefined} */ (findSeries.get(d, sensor, unit)) ?? Number(addSeries.run(d, sensor, unit).lastInsertRowid);
    seriesIds.set(key, id);
  }
  return id;
}

// A reading's numbers, in order: series index, seq, ts, value (NaN: null), quality, clock.
/**
 * @param {number[]} ids @param {Float64Array} v
 * @param {Map<number, string> | undefined} warnings @param {number} n @param {unknown[]} out @param {number} o
 */
function rowArgs(ids, v, warnings, n, out, o) {
  const i = n * COLUMNS;
  const value = v[i + 3];
  out[o] = ids[v[i]];
  out[o + 1] = v[i + 2];
  out[o + 2] = v[i + 1];
  out[o + 3] = Number.isNaN(value) ? null : value;
  out[o + 4] = v[i + 4];
  out[o + 5] = v[i + 5];
  out[o + 6] = warnings?.get(n) ?? null;
}
const oneArgs = new Array(ARGS);
const writeTx = db.transaction((/** @type {string[]} */ series, /** @type {Float64Array} */ v, /** @type {Array<number | string>} */ w) => {
  const ids = [];
  for (let i = 0; i < series.length; i += 3) ids.push(seriesOf(series[i], series[i + 1], series[i + 2]));
  /** @type {Map<number, string> | undefined} */
  const warnings = w.length ? new Map() : undefined;
  for (let i = 0; i < w.length; i += 2) warnings?.set(/** @type {number} */ (w[i]), /** @type {string} */ (w[i + 1]));
  const rows = v.length / COLUMNS;
  let n = 0;
  for (; n + ROWS_PER_INSERT <= rows; n += ROWS_PER_INSERT) {
    for (let j = 0; j < ROWS_PER_INSERT; j++) rowArgs(ids, v, warnings, n + j, manyArgs, j * ARGS);
    insertMany.run(manyArgs);
  }
  for (; n < rows; n++) {
    rowArgs(ids, v, warnings, n, oneArgs, 0);
    insert.run(oneArgs);
  }
});
/** @param {string[]} series @param {Float64Array} v @param {Array<number | string>} warnings */
function write(series, v, warnings) {
  try {
    writeTx(series, v, warnings);
  } catch (err) {
    // The rollback took back any dictionary rows this batch added; forget them too.
    deviceIds.clear();
    seriesIds.clear();
    throw err;
  }
}
const allSeries = db.prepare("SELECT s.id, s.sensor, s.unit, d.device FROM series s JOIN devices d ON d.id = s.device");
// Per series, so both statements walk samples_by_series instead of scanning every sample.
const fold = db.prepare(
  `INSERT INTO readings_hourly (sensor, hour_ms, device, unit, min, mean, max, count, estimates)
   SELECT @sensor, (ts / 3600000) * 3600000 AS h, @device, @unit, min(value), avg(value), max(value), count(value), sum(quality = ${ESTIMATE})
   FROM samples WHERE series = @id AND ts < @cutoff AND quality IN (${GOOD}, ${ESTIMATE}) AND value IS NOT NULL GROUP BY h
   ON CONFLICT (sensor, hour_ms) DO UPDATE SET
     min = min(readings_hourly.min, excluded.min), max = max(readings_hourly.max, excluded.max),
     mean = (readings_hourly.mean * readings_hourly.count + excluded.mean * excluded.count) / (readings_hourly.count + excluded.count),
     count = readings_hourly.count + excluded.count, estimates = readings_hourly.estimates + excluded.estimates`,
);
const dropRaw = db.prepare("DELETE FROM samples WHERE series = ? AND ts < ?");
const dropHourly = db.prepare("DELETE FROM readings_hourly WHERE hour_ms < ?");
/** Folds raw readings past retention into hourly rows, then drops expired hourly rows. */
const compact = db.transaction((/** @type {number} */ rawCutoff, /** @type {number} */ hourlyCutoff) => {
  for (const s of /** @type {Array<{ id: number, sensor: string, unit: string, device: string }>} */ (allSeries.all())) {
    fold.run({ ...s, cutoff: rawCutoff });
    dropRaw.run(s.id, rawCutoff);
  }
  dropHourly.run(hourlyCutoff);
});

parentPort?.on("message", (/** @type {{ id: number, op: string, series?: string[], values?: Float64Array, warnings?: Array<number | string>, rawCutoff?: number, hourlyCutoff?: number }} */ m) => {
  try {
    if (m.op === "write") write(m.series ?? [], m.values ?? new Float64Array(0), m.warnings ?? []);
    else if (m.op === "compact") compact(m.rawCutoff, m.hourlyCutoff);
    else if (m.op === "close") db.close();
    parentPort?.postMessage({ id: m.id, ok: true });
  } catch (err) {
    parentPort?.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
  if (m.op === "close") parentPort?.close();
});
