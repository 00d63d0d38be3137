import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readingBatchSchema, readingValueIssue } from "../../protocol/payloads.ts";
import { compileSchema } from "../../lib/compiled-schema.ts";
import { units } from "../../protocol/units.ts";

const isValid = compileSchema(readingBatchSchema);

/** Mostly a valid field, sometimes a value at or past one of the schema's edges. */
const field = <T, U>(valid: fc.Arbitrary<T>, edges: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 15 }, { arbitrary: edges, weight: 1 });
const id = field(fc.constantFrom("tank-north", "a", "x".repeat(64), "a-1"), fc.oneof(fc.constantFrom("x".repeat(65), "", "Tank", "-a", "a/b", "a+b", 7), fc.string()));
const positiveInt = (valid: fc.Arbitrary<number>) => field(valid, fc.oneof(fc.constantFrom(0, -1, 0.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, "5"), fc.double()));
const reading = fc.record(
  {
    seq: positiveInt(fc.integer({ min: 1 })),
    sensor: id,
    value: field(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)), fc.constantFrom("5", true, Number.NaN)),
    unit: field(fc.constantFrom(...units), fc.constantFrom("litres", "l", "", null)),
    quality: field(fc.constantFrom("good", "invalid"), fc.constantFrom("bad", 1)),
    ts: positiveInt(fc.constant(1.7e12)),
    clock: field(fc.constantFrom("synced", "corrected", "estimated"), fc.constantFrom("unsynced", "")),
    warning: field(fc.string({ maxLength: 200 }), fc.constantFrom("x".repeat(201), "é".repeat(150), "🌧".repeat(100), "🌧".repeat(101), 3)),
  },
  { requiredKeys: ["seq", "sensor", "value", "unit", "quality", "ts", "clock"] },
);
/** Now and then a key the schema does not know. */
const withStray = <T extends object>(a: fc.Arbitrary<T>) =>
  fc.tuple(a, fc.integer({ min: 0, max: 15 })).map(([o, dice]) => (dice === 0 ? { ...o, stray: 1 } : o));
const anyReading = field(withStray(reading), fc.record({ seq: fc.integer(), sensor: id }, { requiredKeys: [] }));
const batch = withStray(fc.record({ device: id, readings: field(fc.array(anyReading, { minLength: 1, maxLength: 4 }), fc.constantFrom([], "none", null)) }));
let zodAccepted = 0;

describe("compiled readings schema", () => {
  it("accepts exactly what zod accepts, refinements aside, over 20,000 generated batches", () => {
    fc.assert(
      fc.property(batch, (b) => {
        const byZod = readingBatchSchema.safeParse(b).success;
        if (byZod) zodAccepted++;
        const readings: unknown = (b as { readings: unknown }).readings;
        const refinementsOk = Array.isArray(readings) && readings.every((r) => readingValueIssue(r as { quality: string; value: number | null }) === undefined);
        const compiled = isValid(b);
        // zod applies the refinements only to an otherwise valid batch; the compiled check leaves them to its caller.
        expect(compiled && refinementsOk).toBe(byZod);
        if (byZod) expect(compiled).toBe(true);
      }),
      { seed: 42, numRuns: 20_000 },
    );
    // The generator must reach both sides of the schema, or the agreement says nothing.
    expect(zodAccepted).toBeGreaterThan(1_000);
    expect(zodAccepted).toBeLessThan(18_000);
  });

  it("accepts a batch a board sends and refuses one with a wrong unit", () => {
    const good = { device: "water-main", readings: [{ seq: 1, sensor: "tank-north-level", value: 5000, unit: "L", quality: "good", ts: 1.7e12, clock: "synced" }] };
    expect(isValid(good)).toBe(true);
    expect(isValid({ ...good, readings: [{ ...good.readings[0], unit: "litres" }] })).toBe(false);
  });
});
