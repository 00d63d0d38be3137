// Pass two of board validation: rules that span sensors or files (pin used twice, duplicate ids,
// a derived sensor whose source is missing, a simulated sensor with no model signal).
import type { BoardDefinition } from "./schema.ts";
import { simulatedSignals } from "../simulation/signals.ts";

export interface LoadedBoard {
  file: string;
  board: BoardDefinition;
}

export function checkBoard({ board }: LoadedBoard): string[] {
  const problems: string[] = [];
  const pinOwner = new Map<string, number>();
  const idOwner = new Map<string, number>();

  board.sensors.forEach((sensor, i) => {
    const firstWithId = idOwner.get(sensor.id);
    if (firstWithId !== undefined) {
      problems.push(`sensors[${i}].id: "${sensor.id}" is already used by sensors[${firstWithId}]`);
    } else idOwner.set(sensor.id, i);

    if (sensor.driver !== "coulomb-soc") {
      const pin = String(sensor.pin);
      const owner = pinOwner.get(pin);
      if (owner !== undefined) {
        problems.push(`sensors[${i}].pin: ${pin} is already used by sensors[${owner}] (${board.sensors[owner].id})`);
      } else pinOwner.set(pin, i);
    }

    if (sensor.driver === "coulomb-soc") {
      const source = board.sensors.find((s) => s.id === sensor.source);
      if (!source) problems.push(`sensors[${i}].source: no sensor "${sensor.source}" on this board`);
      else if (source.unit !== "A") {
        problems.push(`sensors[${i}].source: "${sensor.source}" measures ${source.unit}, a current in A is needed`);
      }
    }

    if (board.io.kind === "simulated" && sensor.driver !== "coulomb-soc") {
      if (!sensor.sim) problems.push(`sensors[${i}].sim: a simulated board needs a model signal for each pin`);
      else if (!simulatedSignals.has(sensor.sim)) {
        problems.push(`sensors[${i}].sim: unknown model signal "${sensor.sim}"`);
      }
    }
  });
  return problems;
}

/** Rules across all files: board ids are device ids and must be unique in a village. */
export function checkBoardSet(boards: LoadedBoard[]): string[] {
  const problems: string[] = [];
  const firstFile = new Map<string, string>();
  for (const { file, board } of boards) {
    const other = firstFile.get(board.id);
    if (other) problems.push(`${file}: id: "${board.id}" is already used by ${other}`);
    else firstFile.set(board.id, file);
  }
  return problems;
}

/** Sensor ids are unique across a village, so that dashboards and the API can name them alone. */
export function checkSensorIdsAcrossBoards(boards: LoadedBoard[]): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>();
  for (const { file, board } of boards) {
    board.sensors.forEach((sensor, i) => {
      const other = owner.get(sensor.id);
      if (other) problems.push(`${file}: sensors[${i}].id: "${sensor.id}" is already used in ${other}`);
      else owner.set(sensor.id, file);
    });
  }
  return problems;
}
