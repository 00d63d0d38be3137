// The reference water board (boards/water.yaml) wired to an emulated Uno, as a board file an agent
// started by its command line can load: half-full tanks and no flow on the ADC inputs. Its relays'
// start-up pulse is the boot tests' subject (hil-kit-boot), declared handled here so the board
// check lets it run.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { UnoEmulator } from "./uno-emulator.ts";

/** Writes the board file into `dir` and returns its path. */
export function waterBoardFileOn(uno: UnoEmulator, dir: string): string {
  for (const pin of [0, 1, 2]) uno.adc(pin, 2_500);
  uno.adc(3, 1_000); // 4 mA on the flow loop: no flow
  const board = parse(readFileSync("boards/water.yaml", "utf8"));
  board.io = { kind: "firmata", path: uno.path };
  for (const a of board.actuators) a.bootGuard = "relay board's JD-VCC switched on after the agent started";
  const path = join(dir, "water.yaml");
  writeFileSync(path, stringify(board));
  return path;
}
