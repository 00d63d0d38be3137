// Writes a sensor's new calibration into its board file and changes nothing else: the parsed
// document (yaml package) says where the old calibration block sits in the text, and only those
// characters are replaced, in the block's own style (one-line flow or indented block). Comments,
// alignment and the other sensors stay byte for byte. The result is validated as a board file
// before it replaces the old one, so a bad edit never lands.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { parseDocument, isMap, isSeq, type YAMLMap } from "yaml";
import { loadBoardFile } from "../../protocol/board/load.ts";

type Value = number | number[];

const show = (v: Value) => (Array.isArray(v) ? `[${v.join(", ")}]` : String(v));

export function writeCalibration(file: string, sensorId: string, calibration: Record<string, Value>): void {
  const source = readFileSync(file, "utf8");
  const doc = parseDocument(source);
  const sensors = doc.get("sensors");
  if (!isSeq(sensors)) throw new Error(`${file}: sensors: not a list`);
  const entry = sensors.items.find((item) => isMap(item) && item.get("id") === sensorId) as YAMLMap | undefined;
  if (!entry) throw new Error(`${file}: sensors: no sensor "${sensorId}"`);
  const old = entry.get("calibration", true);
  if (!isMap(old) || !old.range) throw new Error(`${file}: sensors: "${sensorId}" has no calibration block to replace`);
  const [start, valueEnd] = old.range;
  const pairs = Object.entries(calibration);
  let replacement: string;
  if (old.flow) replacement = `{ ${pairs.map(([k, v]) => `${k}: ${show(v)}`).join(", ")} }`;
  else {
    const indent = " ".repeat(start - (source.lastIndexOf("\n", start - 1) + 1));
    replacement = pairs.map(([k, v], i) => `${i ? indent : ""}${k}: ${show(v)}`).join("\n");
    if (source[valueEnd - 1] === "\n") replacement += "\n"; // a block's range takes its last line break
  }
  const temp = `${file}.calibrating`;
  writeFileSync(temp, source.slice(0, start) + replacement + source.slice(valueEnd).replace(/^[ \t]*(?=\n)/, ""));
  try {
    loadBoardFile(temp);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new Error(`the new calibration does not make a valid board file, ${file} is unchanged: ${(err as Error).message}`);
  }
  renameSync(temp, file);
}
