// How the journal keeps a batch of readings on disk: the `readings` blob of a `batches` row, in the
// format its `format` column names. Format 1 (deflated JSON) is still read; new batches are written
// in format 2, a packed binary layout built in one pass: deflate cost the edge more CPU per reading
// (about 1.4 us, with its stream set up per batch) than SQLite's insert of the batch. Format 2 takes
// about 13 bytes a reading plus the batch's sensor and unit names once, somewhat more than deflated
// JSON (1.3 KB for 100 readings against about 0.9), but the bytes written per reading did not
// change: the WAL's 4 KiB blocks decide them. What is published stays the JSON the journal
// serialises.
import { inflateRawSync } from "node:zlib";
import type { Reading } from "../../protocol/payloads.ts";
import { CsError } from "../../protocol/errors.ts";

/** A reading as the journal keeps it: published as is once its clock is known. */
export interface Entry {
  seq: number;
  sensor: string;
  value: number | null;
  unit: Reading["unit"];
  quality: Reading["quality"];
  ts: number | null;
  clock: Reading["clock"] | "unsynced";
  warning?: string;
  /** Monotonic ms, kept only while the clock is not set, to correct ts later. */
  mono?: number;
}

export const FORMAT_DEFLATED_JSON = 1;
export const FORMAT_PACKED = 2;

/** Format 1: raw deflate (RFC 1951) of the JSON array, with a preset dictionary of what every reading repeats. */
const DICTIONARY = Buffer.from('"clock":"corrected"},{"seq":"clock":"estimated"},{"seq":,"warning":"check the ,"quality":"invalid","ts":,"unit":"L","quality":"good","ts":,"clock":"synced"},{"seq":,"sensor":"","value":');

/*
 * Format 2, little-endian:
 *   varint n (readings), varint k (strings), k x (varint byte length, UTF-8 bytes)
 *   n x reading:
 *     u8 flags: bit 0 invalid, bits 1-2 clock (synced, corrected, estimated, unsynced), bit 3 value,
 *               bit 4 warning, bit 5 ts, bit 6 mono, bit 7 seq is not the previous one + 1
 *     [varint seq - previous seq, if bit 7; the first reading's previous seq is 0]
 *     varint sensor (string index), varint unit (string index)
 *     [f64 value] [varint warning (string index)] [zigzag varint ts - previous ts; the first: - 0] [f64 mono]
 * Varints are 7 bits a byte, low first, for whole numbers up to 2^53.
 */
const CLOCKS = ["synced", "corrected", "estimated", "unsynced"] as const satisfies ReadonlyArray<Entry["clock"]>;
const clockCode: Record<Entry["clock"], number> = { synced: 0, corrected: 1, estimated: 2, unsynced: 3 };
const INVALID = 1;
const HAS_VALUE = 8;
const HAS_WARNING = 16;
const HAS_TS = 32;
const HAS_MONO = 64;
const SEQ_JUMP = 128;

/** Worst case per reading: flags, three 8-byte varints, two 8-byte floats, a ts varint. */
const MAX_READING_BYTES = 1 + 8 + 3 + 3 + 8 + 3 + 8 + 8;

export function encodeBatch(entries: readonly Entry[]): Buffer {
  const strings = new Map<string, number>();
  const index = (s: string) => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  // The readings first, into a scratch buffer, while the string table fills.
  const body = Buffer.allocUnsafe(entries.length * MAX_READING_BYTES);
  let o = 0;
  let prevSeq = 0;
  let prevTs = 0;
  for (const e of entries) {
    let flags = clockCode[e.clock] << 1;
    if (e.quality === "invalid") flags |= INVALID;
    if (e.value !== null) flags |= HAS_VALUE;
    if (e.warning !== undefined) flags |= HAS_WARNING;
    if (e.ts !== null) flags |= HAS_TS;
    if (e.mono !== undefined) flags |= HAS_MONO;
    if (e.seq !== prevSeq + 1) flags |= SEQ_JUMP;
    body[o++] = flags;
    if (flags & SEQ_JUMP) o = writeVarint(body, o, e.seq - prevSeq, e, "seq");
    prevSeq = e.seq;
    o = writeVarint(body, o, index(e.sensor), e, "sensor");
    o = writeVarint(body, o, index(e.unit), e, "unit");
    if (e.value !== null) o = body.writeDoubleLE(e.value, o);
    if (e.warning !== undefined) o = writeVarint(body, o, index(e.warning), e, "warning");
    if (e.ts !== null) {
      if (!Number.isSafeInteger(e.ts)) unpackable(e, "ts", e.ts);
      const d = e.ts - prevTs;
      o = writeVarint(body, o, d >= 0 ? 2 * d : -2 * d - 1, e, "ts");
      prevTs = e.ts;
    }
    if (e.mono !== undefined) o = body.writeDoubleLE(e.mono, o);
  }
  const table = [...strings.keys()].map((s) => Buffer.from(s, "utf8"));
  const head = Buffer.allocUnsafe(16 + table.reduce((n, b) => n + 8 + b.length, 0));
  let h = writeVarint(head, 0, entries.length);
  h = writeVarint(head, h, table.length);
  for (const b of table) {
    h = writeVarint(head, h, b.length);
    h += b.copy(head, h);
  }
  return Buffer.concat([head.subarray(0, h), body.subarray(0, o)]);
}

/** The entries of a batch row; a blob that does not decode is named by file and first sequence number. */
export function decodeBatch(format: number, blob: Buffer, path: string, firstSeq: number): Entry[] {
  try {
    if (format === FORMAT_DEFLATED_JSON) return JSON.parse(inflateRawSync(blob, { dictionary: DICTIONARY }).toString("utf8")) as Entry[];
    if (format === FORMAT_PACKED) return decodePacked(blob);
    throw new Error(`unknown batch format ${format}`);
  } catch (err) {
    throw new CsError("CS_ERR_JOURNAL_CORRUPT", `${path}: batch ${firstSeq}: ${(err as Error).message}`);
  }
}

function decodePacked(blob: Buffer): Entry[] {
  const r = { o: 0 };
  const n = readVarint(blob, r);
  const k = readVarint(blob, r);
  const strings: string[] = [];
  for (let i = 0; i < k; i++) {
    const len = readVarint(blob, r);
    if (r.o + len > blob.length) throw new Error("string table runs past the end");
    strings.push(blob.toString("utf8", r.o, r.o + len));
    r.o += len;
  }
  const string = (i: number) => {
    if (i >= strings.length) throw new Error(`string ${i} of ${strings.length}`);
    return strings[i];
  };
  const entries: Entry[] = [];
  let prevSeq = 0;
  let prevTs = 0;
  for (let i = 0; i < n; i++) {
    if (r.o >= blob.length) throw new Error(`reading ${i} of ${n} runs past the end`);
    const flags = blob[r.o++];
    const seq = flags & SEQ_JUMP ? prevSeq + readVarint(blob, r) : prevSeq + 1;
    prevSeq = seq;
    const sensor = string(readVarint(blob, r));
    const unit = string(readVarint(blob, r)) as Entry["unit"];
    let value: number | null = null;
    if (flags & HAS_VALUE) {
      value = blob.readDoubleLE(r.o);
      r.o += 8;
    }
    const warning = flags & HAS_WARNING ? string(readVarint(blob, r)) : undefined;
    let ts: number | null = null;
    if (flags & HAS_TS) {
      const z = readVarint(blob, r);
      ts = prevTs + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
      prevTs = ts;
    }
    // Keys in the order the journal creates them, so a replayed batch serialises as it did live.
    const e: Entry = { seq, sensor, value, unit, quality: flags & INVALID ? "invalid" : "good", ts, clock: CLOCKS[(flags >> 1) & 3] };
    if (warning !== undefined) e.warning = warning;
    if (flags & HAS_MONO) {
      e.mono = blob.readDoubleLE(r.o);
      r.o += 8;
    }
    entries.push(e);
  }
  if (r.o !== blob.length) throw new Error(`${blob.length - r.o} bytes after the last reading`);
  return entries;
}

/** Sequence numbers and timestamps are whole numbers (ms): anything else is a bug upstream. */
function unpackable(e: Entry | undefined, field: string, v: number): never {
  throw new CsError("CS_ERR_JOURNAL_CORRUPT", `reading ${e?.seq}: ${field} cannot be packed (${v})`);
}

function writeVarint(buf: Buffer, o: number, v: number, e?: Entry, field?: string): number {
  if (!Number.isSafeInteger(v) || v < 0) unpackable(e, field ?? "count", v);
  while (v >= 128) {
    buf[o++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[o++] = v;
  return o;
}

function readVarint(buf: Buffer, r: { o: number }): number {
  let v = 0;
  let scale = 1;
  for (;;) {
    if (r.o >= buf.length) throw new Error("a number runs past the end");
    const b = buf[r.o++];
    v += (b & 127) * scale;
    if (b < 128) return v;
    scale *= 128;
    if (scale > 2 ** 56) throw new Error("a number longer than 8 bytes");
  }
}
