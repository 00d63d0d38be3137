// Reads a YAML file (board, village, trigger matrix, drill scenario) into plain data, or says why
// not, naming the file and, for syntax errors, the line.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";

export type YamlRead = { ok: true; data: unknown } | { ok: false; problems: string[] };

export function readYamlFile(file: string): YamlRead {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { ok: false, problems: [`${file}: cannot read: ${(err as Error).message}`] };
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) return { ok: false, problems: doc.errors.map((e) => `${file}: YAML: ${e.message.split("\n")[0]}`) };
  return { ok: true, data: doc.toJS() };
}
