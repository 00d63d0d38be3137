// `npm run calibrate -- --board boards/<file>.yaml --sensor <id>`: walks a maintenance circle
// through taking calibration points on the real board and writes the result into the board file,
// comments intact. Exits 1 naming file and field when the board file or the sensor is wrong.
import { numberFlag, parseCommandLine, usageError } from "../../lib/command-line.ts";
import { createInterface } from "node:readline/promises";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { isCsError } from "../../protocol/errors.ts";
import { openBoardIo } from "../io/open-board-io.ts";
import { readyBoard } from "../agent.ts";
import { calibratable, isCalibratable, walkCalibration } from "./steps.ts";
import { rawReader } from "./raw-reader.ts";
import { writeCalibration } from "./board-file-writer.ts";

const USAGE = "npm run calibrate -- --board boards/<file>.yaml --sensor <id> [--samples 10]";
const { values } = parseCommandLine({
  options: {
    board: { type: "string" },
    sensor: { type: "string" },
    samples: { type: "string", default: "10" },
  },
}, USAGE);

const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

if (!values.board || !values.sensor) usageError("--board and --sensor are required", USAGE);
const samples = numberFlag("--samples", values.samples, { min: 1, max: 1_000 }, USAGE)!;
const file = values.board!;
let board;
try {
  board = loadBoardFile(file).board;
} catch (err) {
  if (isCsError(err)) fail(`${err.code}: ${err.message}`);
  throw err;
}
const sensor = board.sensors.find((s) => s.id === values.sensor);
if (!sensor) fail(`${file}: sensors: no sensor "${values.sensor}" (this board has ${board.sensors.map((s) => s.id).join(", ")})`);
if (!isCalibratable(sensor!)) fail(`${file}: sensors[${board.sensors.indexOf(sensor!)}].driver: ${sensor!.driver} is calibrated from its datasheet; npm run calibrate takes ${calibratable.join(", ")}`);
if (!isCalibratable(sensor!)) process.exit(1); // narrows the type for what follows

const rl = createInterface({ input: process.stdin, output: process.stdout });
const io = await openBoardIo(board);
try {
  const j5 = await readyBoard(board.id, io);
  const calibration = await walkCalibration(sensor, {
    ask: (q) => rl.question(`${q} `),
    say: (line) => console.log(line),
    readRaw: rawReader(j5, io, sensor, samples),
  });
  writeCalibration(file, sensor.id, calibration);
  console.log(`Written to ${file}: ${sensor.id}.calibration = ${JSON.stringify(calibration)}`);
} catch (err) {
  fail(`calibration of ${sensor.id} stopped: ${(err as Error).message}`);
} finally {
  rl.close();
  io.close?.();
}
process.exit(0);
