// The InfluxDB store writes its lines digit by digit; here they are checked against lines built the
// plain way, with String() and the `influx` package's escaping, over numbers at the edges of what a
// reading can hold. (influx-line-protocol.test.ts writes them to a real influxd.)
import { escape } from "influx";
import { expect, it } from "vitest";
import { LineProtocol } from "../../../gateway/store/line-protocol.ts";
import type { StoredReading } from "../../../gateway/store/store.ts";

function plainLine(r: StoredReading): string {
  const tags = `,clock=${escape.tag(r.clock)},device=${escape.tag(r.device)},quality=${escape.tag(r.quality)},sensor=${escape.tag(r.sensor)},unit=${escape.tag(r.unit)}`;
  const fields = [`seq=${r.seq}`, ...(r.value === null ? [] : [`value=${r.value}`]), ...(r.warning ? [`warning=${escape.quoted(r.warning)}`] : [])];
  return `reading${tags} ${fields.join(",")} ${r.ts}${String(r.seq % 1_000_000).padStart(6, "0")}`;
}

const seqs = [1, 42, 999_999, 1_000_000, 1_000_001, 1_796_673_000_001, 2 ** 53 - 1];
const values = [0, -0, 7, -12, 5000, 12.5, -3.25, 0.1 + 0.2, 1e-7, 1.5e300, -(2 ** 60), 2 ** 53 - 1, 2 ** 53];
const stamps = [1, 999, 1_796_673_000_123, 10 ** 13];

it("writes the bytes String() and the influx package's escaping would, for numbers at every edge", () => {
  const lines = new LineProtocol();
  const readings: StoredReading[] = [];
  for (const [i, seq] of seqs.entries()) {
    for (const [j, value] of values.entries()) {
      const invalid = (i + j) % 5 === 0;
      readings.push({
        device: ["water-main", "green house", "a,b=c"][j % 3],
        seq,
        sensor: `s${j % 4}`,
        value: invalid ? null : value,
        unit: (["L", "°C", "Wh", "kg"] as const)[(i + j) % 4],
        quality: invalid ? "invalid" : (["good", "estimate"] as const)[j % 2],
        ts: stamps[(i + j) % stamps.length],
        clock: (["synced", "corrected", "estimated"] as const)[i % 3],
        ...(j % 4 === 1 ? { warning: ['no "echo"', "≈ wet, = ", "back\\slash"][i % 3] } : {}),
      });
    }
  }
  // One batch, grown past the room set aside at first by long warnings, and one reading at a time.
  readings.push({ ...readings[1], warning: "≈".repeat(200) });
  expect(lines.encode(readings).toString()).toBe(readings.map(plainLine).join("\n"));
  for (const r of readings) expect(lines.encode([r]).toString()).toBe(plainLine(r));
});

it("names a reading whose seq or timestamp cannot be part of a point", () => {
  const good: StoredReading = { device: "water-main", seq: 5, sensor: "tank", value: 1, unit: "L", quality: "good", ts: 1_796_673_000_123, clock: "synced" };
  const lines = new LineProtocol();
  expect(() => lines.encode([good, { ...good, seq: 6, ts: 1.5 }])).toThrow("reading water-main/6: ts 1.5 is not a positive whole number of milliseconds");
  expect(() => lines.encode([{ ...good, seq: 2 ** 53 }])).toThrow(`reading water-main/${2 ** 53}: seq is not a positive whole number`);
});
