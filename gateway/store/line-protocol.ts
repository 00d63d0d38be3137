// InfluxDB line protocol for readings, written straight into bytes: the series key from a cache of
// encoded keys, numbers digit by digit. A string per line, encoded into the body, cost about a
// third more here and left every line to the collector.
//
// A point's timestamp is ts_ms * 1e6 + (seq mod 1e6) nanoseconds (influx-store.ts says why).
// Fields are written as the `influx` package's writePoints would coerce them (numbers as floats,
// sorted by name), so that databases it filled before keep one type per field.
import { escape } from "influx";
import type { StoredReading } from "./store.ts";

export const MEASUREMENT = "reading";

const SEQ = " seq=";
const VALUE = Buffer.from(",value=");
const WARNING = Buffer.from(",warning=");
const NEWLINE = 0x0a;
const SPACE = 0x20;
const ZERO = 0x30;
const MINUS = 0x2d;
/** Room for a line besides its series key and warning: the fields and timestamp, their digits at most. */
const FIXED_ROOM = 1 + 16 + VALUE.length + 25 + WARNING.length + 1 + 16 + 6;

interface Series {
  unit: string;
  quality: string;
  clock: string;
  key: Buffer;
}

export class LineProtocol {
  /** Measurement and tag set per series, escaped and encoded once, by device, then sensor. */
  private readonly seriesKeys = new Map<string, Map<string, Series[]>>();

  /** The lines for `readings`, newline-separated; throws naming a reading that cannot be a point. */
  encode(readings: readonly StoredReading[]): Buffer {
    let body = Buffer.allocUnsafe(readings.length * 160);
    let at = 0;
    for (const r of readings) {
      if (!Number.isSafeInteger(r.ts) || r.ts <= 0) throw new Error(`reading ${r.device}/${r.seq}: ts ${r.ts} is not a positive whole number of milliseconds`);
      if (!Number.isSafeInteger(r.seq) || r.seq <= 0) throw new Error(`reading ${r.device}/${r.seq}: seq is not a positive whole number`);
      const key = this.seriesKey(r);
      const warning = r.warning ? escape.quoted(r.warning) : undefined;
      // A UTF-16 unit takes at most three bytes in UTF-8.
      const room = key.length + FIXED_ROOM + (warning === undefined ? 0 : 3 * warning.length);
      if (at + room > body.length) body = Buffer.concat([body.subarray(0, at)], Math.max(2 * body.length, at + room));
      if (at > 0) body[at++] = NEWLINE;
      body.set(key, at); // with " seq=": TypedArray.set costs the same for 80 bytes as for 5
      at += key.length;
      const low = r.seq % 1_000_000;
      const high = (r.seq - low) / 1_000_000;
      if (high === 0) at = writeWhole(body, at, low);
      else {
        at = writeWhole(body, at, high);
        at = writeSixDigits(body, at, low);
      }
      if (r.value !== null) {
        at = copyShort(body, at, VALUE);
        at = writeNumber(body, at, r.value);
      }
      if (warning !== undefined) {
        at = copyShort(body, at, WARNING);
        at += body.write(warning, at);
      }
      body[at++] = SPACE;
      at = writeWhole(body, at, r.ts);
      at = writeSixDigits(body, at, low);
    }
    return body.subarray(0, at);
  }

  private seriesKey(r: StoredReading): Buffer {
    // A key string per reading to look the series up by showed in profiles.
    let sensors = this.seriesKeys.get(r.device);
    if (!sensors) this.seriesKeys.set(r.device, (sensors = new Map()));
    let series = sensors.get(r.sensor);
    if (!series) sensors.set(r.sensor, (series = []));
    for (const s of series) if (s.unit === r.unit && s.quality === r.quality && s.clock === r.clock) return s.key;
    // unit, quality and clock are fixed per reading and few-valued: tags keep the points small
    // (string fields cost InfluxDB most of its write time) without breaking idempotency.
    // Sorted by name, as InfluxDB stores them.
    const tags = { clock: r.clock, device: r.device, quality: r.quality, sensor: r.sensor, unit: r.unit };
    const key = Buffer.from(MEASUREMENT + Object.entries(tags).map(([k, v]) => `,${k}=${escape.tag(v)}`).join("") + SEQ);
    series.push({ unit: r.unit, quality: r.quality, clock: r.clock, key });
    return key;
  }
}

/** A few bytes copied one by one: TypedArray.set costs some 30 ns a call on this project's test machine. */
function copyShort(body: Buffer, at: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) body[at++] = bytes[i];
  return at;
}

/** The digits of a whole number from 0 to 2^53 - 1. */
function writeWhole(body: Buffer, at: number, n: number): number {
  let end = at + 1;
  for (let p = 10; p <= n; p *= 10) end++;
  for (let i = end - 1; i >= at; i--) {
    const rest = Math.floor(n / 10);
    body[i] = ZERO + (n - rest * 10);
    n = rest;
  }
  return end;
}

function writeSixDigits(body: Buffer, at: number, n: number): number {
  for (let i = at + 5; i >= at; i--) {
    const rest = Math.floor(n / 10);
    body[i] = ZERO + (n - rest * 10);
    n = rest;
  }
  return at + 6;
}

/** As String(value) writes it: most readings are whole numbers, the rest are formatted by V8. */
function writeNumber(body: Buffer, at: number, value: number): number {
  if (Number.isSafeInteger(value)) {
    if (value < 0) body[at++] = MINUS;
    return writeWhole(body, at, Math.abs(value));
  }
  const text = String(value); // ASCII: digits, sign, point and exponent
  for (let i = 0; i < text.length; i++) body[at++] = text.charCodeAt(i);
  return at;
}
