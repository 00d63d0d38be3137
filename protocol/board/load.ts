// Loads board files: YAML -> schema (pass one) -> cross-checks (pass two). Every problem in every
// file is collected, then one error names them all, each as `file: field: message`.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { invalidFiles } from "../errors.ts";
import { readYamlFile } from "../../lib/yaml-file.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import { boardSchema } from "./schema.ts";
import { checkBoard, checkBoardSet, checkSensorIdsAcrossBoards, type LoadedBoard } from "./check.ts";

type FileResult = { ok: true; loaded: LoadedBoard } | { ok: false; problems: string[] };

function parseBoardFile(file: string): FileResult {
  const read = readYamlFile(file);
  if (!read.ok) return read;
  const parsed = boardSchema.safeParse(read.data);
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error).map((p) => `${file}: ${p}`) };
  const loaded = { file, board: Object.freeze(parsed.data) };
  const problems = checkBoard(loaded).map((p) => `${file}: ${p}`);
  return problems.length ? { ok: false, problems } : { ok: true, loaded };
}

function fail(problems: string[]): never {
  throw invalidFiles("CS_ERR_BOARD_INVALID", problems);
}

export function loadBoardFile(file: string): LoadedBoard {
  const result = parseBoardFile(file);
  if (!result.ok) fail(result.problems);
  return result.loaded;
}

export function listBoardFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    return fail([`${dir}: cannot read the boards directory: ${(err as Error).message}`]);
  }
  return names
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .sort()
    .map((f) => join(dir, f));
}

export function loadBoardFiles(files: string[]): LoadedBoard[] {
  const problems: string[] = [];
  const loaded: LoadedBoard[] = [];
  for (const file of files) {
    const result = parseBoardFile(file);
    if (result.ok) loaded.push(result.loaded);
    else problems.push(...result.problems);
  }
  problems.push(...checkBoardSet(loaded), ...checkSensorIdsAcrossBoards(loaded));
  if (problems.length) fail(problems);
  return loaded;
}

export function loadBoardDir(dir: string): LoadedBoard[] {
  return loadBoardFiles(listBoardFiles(dir));
}
