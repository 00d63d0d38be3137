import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeBatch, encodeBatch, FORMAT_DEFLATED_JSON, FORMAT_PACKED, type Entry } from "../../../edge/journal/batch-codec.ts";
import { units } from "../../../protocol/units.ts";
import { isCsError } from "../../../protocol/errors.ts";
import { deflatedJsonBatch } from "../../helpers/deflated-json-batch.ts";

const TS = Date.UTC(2026, 11, 2, 6, 0, 0);

/** Batches as the journal makes them: ascending sequence numbers, whole-millisecond timestamps. */
const entryArb = fc.record(
  {
    seqStep: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 2 ** 40 })),
    sensor: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/),
    value: fc.oneof(fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
    unit: fc.constantFrom(...units),
    quality: fc.constantFrom("good" as const, "invalid" as const),
    tsStep: fc.integer({ min: -86_400_000, max: 86_400_000 }),
    clock: fc.constantFrom("synced" as const, "corrected" as const, "estimated" as const, "unsynced" as const),
    warning: fc.option(fc.string({ unit: "grapheme", maxLength: 200 }), { nil: undefined }),
    mono: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: undefined }),
  },
  { requiredKeys: ["seqStep", "sensor", "value", "unit", "quality", "tsStep", "clock"] },
);

const batchArb = fc.tuple(fc.integer({ min: 1, max: 2 ** 52 }), fc.array(entryArb, { minLength: 1, maxLength: 120 })).map(([firstSeq, raw]) => {
  let seq = firstSeq - 1;
  let ts = TS;
  return raw.map((r): Entry => {
    seq = Math.min(seq + r.seqStep, 2 ** 53 - 1 - raw.length);
    ts += r.tsStep;
    const e: Entry = { seq, sensor: r.sensor, value: r.value, unit: r.unit, quality: r.quality, ts: r.clock === "unsynced" ? null : ts, clock: r.clock };
    if (r.warning !== undefined) e.warning = r.warning;
    if (r.mono !== undefined) e.mono = r.mono;
    return e;
  });
});

describe("journal batch codec", () => {
  it("gives back every batch it packs, key for key and in the same key order", () => {
    fc.assert(
      fc.property(batchArb, (entries) => {
        const decoded = decodeBatch(FORMAT_PACKED, encodeBatch(entries), "journal.db", entries[0].seq);
        expect(decoded).toEqual(entries);
        // A replayed batch is published as JSON: it must serialise as the live one did.
        expect(JSON.stringify(decoded)).toBe(JSON.stringify(entries));
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });

  it("packs a sampling round into the bytes its layout describes", () => {
    const round: Entry[] = [
      { seq: 1001, sensor: "tank-north-level", value: 5000.5, unit: "L", quality: "good", ts: TS, clock: "synced" },
      { seq: 1002, sensor: "main-flow", value: null, unit: "L/min", quality: "invalid", ts: TS + 3, clock: "synced", warning: "check the pulse cable" },
    ];
    const blob = encodeBatch(round);
    const strings = ["tank-north-level", "L", "main-flow", "L/min", "check the pulse cable"];
    const table = Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)])));
    const value = Buffer.alloc(8);
    value.writeDoubleLE(5000.5);
    // The first timestamp is zigzag-coded against 0: 2 x TS in 7-bit groups, low first.
    const ts: number[] = [];
    for (let v = 2 * TS; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        ts.push(v);
        break;
      }
      ts.push((v % 128) | 128);
    }
    const expected = Buffer.concat([
      Buffer.from([2, 5]), // two readings, five strings
      table,
      Buffer.from([0b1010_1000, 0x80 | (1001 % 128), Math.floor(1001 / 128), 0, 1]), // value + ts, seq jumps from 0 to 1001, sensor 0, unit 1
      value,
      Buffer.from(ts),
      Buffer.from([0b0011_0001, 2, 3, 4, 6]), // invalid, warning + ts, seq 1002 follows; sensor 2, unit 3, warning 4, ts +3 zigzagged
    ]);
    expect(blob.toString("hex")).toBe(expected.toString("hex"));
    expect(decodeBatch(FORMAT_PACKED, blob, "journal.db", 1001)).toEqual(round);
  });

  it("still reads batches written as deflated JSON (format 1)", () => {
    const entries: Entry[] = [{ seq: 7, sensor: "bin-grain", value: 412.5, unit: "kg", quality: "good", ts: TS, clock: "synced" }];
    expect(decodeBatch(FORMAT_DEFLATED_JSON, deflatedJsonBatch(entries), "journal.db", 7)).toEqual(entries);
  });

  it("names the file and batch of a blob that does not decode, for every truncation and an unknown format", () => {
    const blob = encodeBatch([
      { seq: 1, sensor: "tank-north-level", value: 1, unit: "L", quality: "good", ts: TS, clock: "synced" },
      { seq: 2, sensor: "tank-north-level", value: 2, unit: "L", quality: "good", ts: TS + 1, clock: "synced" },
    ]);
    for (let cut = 0; cut < blob.length; cut++) {
      let thrown: unknown;
      try {
        decodeBatch(FORMAT_PACKED, blob.subarray(0, cut), "/data/journal-water.db", 1);
      } catch (err) {
        thrown = err;
      }
      expect(isCsError(thrown) && thrown.code, `cut at ${cut}`).toBe("CS_ERR_JOURNAL_CORRUPT");
      expect((thrown as Error).message).toContain("/data/journal-water.db: batch 1:");
    }
    expect(() => decodeBatch(9, blob, "/data/journal-water.db", 1)).toThrow(/batch 1: unknown batch format 9/);
  });

  it("refuses to pack a timestamp that is not a whole millisecond", () => {
    expect(() => encodeBatch([{ seq: 1, sensor: "t", value: 1, unit: "L", quality: "good", ts: TS + 0.5, clock: "synced" }])).toThrow(/reading 1: ts cannot be packed/);
  });
});
