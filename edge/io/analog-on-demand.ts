// Analog pins of a slowly sampled Firmata board, read on demand. StandardFirmata (2.5 and later)
// sends a pin's value at once when its analog reporting is switched on, so switching it on again
// just before a round brings every analog pin's current value in one burst, where reports once a
// second brought ten bursts a round for the Pi's core to read and parse (about 2.5 ms each). The
// board still reports on its own once an interval, so a firmware without the immediate answer
// still gives values no older than a round.
import type { BoardDefinition } from "../../protocol/board/schema.ts";

/** Boards sampled this slowly or slower read their analog pins on demand. */
export const ON_DEMAND_FROM_MS = 5_000;
/** How long before a round the pins are asked: a burst at 57,600 baud takes a few milliseconds. */
export const ON_DEMAND_LEAD_MS = 150;
/** Firmata's sampling interval is 14 bits of milliseconds. */
const MAX_REPORT_MS = 16_000;

interface AnalogReporting {
  reportAnalogPin(channel: number, value: 0 | 1): void;
  setSamplingInterval(ms: number): void;
}

/**
 * For a Firmata board (or a simulated one that answers as StandardFirmata does) sampled every
 * `sampleMs` of ON_DEMAND_FROM_MS or more: sets its own reports to once a round and returns what
 * asks for every analog pin's value now; undefined otherwise.
 */
export function analogOnDemand(io: unknown, board: BoardDefinition, sampleMs: number): (() => void) | undefined {
  const asked = board.io.kind === "firmata" || (io as { answersOnDemand?: boolean }).answersOnDemand === true;
  if (!asked || sampleMs < ON_DEMAND_FROM_MS) return undefined;
  const reporting = io as Partial<AnalogReporting>;
  if (typeof reporting.reportAnalogPin !== "function" || typeof reporting.setSamplingInterval !== "function") return undefined;
  // The drivers on analog pins (the schema's analogPinSchema: "A0" to "A15").
  const channels = [...new Set(board.sensors.flatMap((s) => (s.driver === "analog-linear" || s.driver === "soil-moisture" ? [Number(s.pin.slice(1))] : [])))];
  if (channels.length === 0) return undefined;
  reporting.setSamplingInterval(Math.min(sampleMs, MAX_REPORT_MS));
  return () => channels.forEach((c) => reporting.reportAnalogPin!(c, 1));
}
