// Pass two of board validation: rules that span sensors or files (pin used twice, duplicate ids,
// a derived sensor whose source is missing, a simulated sensor with no model signal).
import { derivedUnitOf, type BoardDefinition } from "./schema.ts";
import { geometryProblems } from "./tank-geometry.ts";
import { simulatedSignals } from "./simulated-signals.ts";
import { namesIn, parseComparison, parseDurationMs } from "../expression.ts";

export interface LoadedBoard {
  file: string;
  board: BoardDefinition;
}

export function checkBoard({ board }: LoadedBoard): string[] {
  const problems: string[] = [];
  const pinOwner = new Map<string, number>();
  const idOwner = new Map<string, number>();
  const sharedBus = new Map<string, number>();

  board.sensors.forEach((sensor, i) => {
    const firstWithId = idOwner.get(sensor.id);
    if (firstWithId !== undefined) {
      problems.push(`sensors[${i}].id: "${sensor.id}" is already used by sensors[${firstWithId}]`);
    } else idOwner.set(sensor.id, i);

    if ("pin" in sensor) {
      const pin = String(sensor.pin);
      const owner = pinOwner.get(pin);
      const first = owner === undefined ? undefined : board.sensors[owner];
      if (first?.driver === "ds18b20" && sensor.driver === "ds18b20") {
        // Several probes on one OneWire pin are told apart by their ROM codes, each its own.
        problems.push(...sharedOneWirePin(board, i, pin));
      } else if (owner !== undefined) {
        problems.push(`sensors[${i}].pin: ${pin} is already used by sensors[${owner}] (${board.sensors[owner].id})`);
      } else pinOwner.set(pin, i);
    }
    problems.push(...checkBusUse(board, i, sharedBus));
    const derived = derivedUnitOf(sensor);
    if (derived && sensor.unit !== derived) problems.push(`sensors[${i}].unit: ${sensor.driver} measuring ${"quantity" in sensor ? sensor.quantity : "field" in sensor ? sensor.field : ""} gives ${derived}, not ${sensor.unit}`);
    if ("geometry" in sensor && sensor.geometry) {
      for (const p of geometryProblems(sensor.geometry)) problems.push(`sensors[${i}].geometry.${p}`);
      if (sensor.unit !== "L") problems.push(`sensors[${i}].unit: a sensor with a tank geometry measures litres (L), not ${sensor.unit}`);
    }
    // Drivers that need no pins of an Arduino: serial instruments, derived figures, the Pi's 1-Wire.
    const pinless = "port" in sensor || sensor.driver === "coulomb-soc" || sensor.driver === "ds18b20-w1";
    if (board.io.kind === "instruments" && !pinless) {
      problems.push(`sensors[${i}].driver: ${sensor.driver} needs pins, and this board's io is "instruments" (serial ports only)`);
    }
    if (board.io.kind === "linux-i2c" && !pinless && !("address" in sensor)) {
      problems.push(`sensors[${i}].driver: ${sensor.driver} needs pins, and this board's io is "linux-i2c" (the Pi's I2C bus and serial ports only)`);
    }
    if (board.io.kind === "simulated" && !SIMULATED_DRIVERS.has(sensor.driver)) {
      problems.push(`sensors[${i}].driver: ${sensor.driver} needs real hardware; a simulated board takes ${[...SIMULATED_DRIVERS].join(", ")}`);
    }

    if (sensor.driver === "coulomb-soc") {
      const source = board.sensors.find((s) => s.id === sensor.source);
      if (!source) problems.push(`sensors[${i}].source: no sensor "${sensor.source}" on this board`);
      else if (source.unit !== "A") {
        problems.push(`sensors[${i}].source: "${sensor.source}" measures ${source.unit}, a current in A is needed`);
      }
    }

    if (board.io.kind === "simulated" && SIMULATED_DRIVERS.has(sensor.driver) && sensor.driver !== "coulomb-soc") {
      if (!sensor.sim) problems.push(`sensors[${i}].sim: a simulated board needs a model signal for each pin`);
      else if (!simulatedSignals.has(sensor.sim)) {
        problems.push(`sensors[${i}].sim: unknown model signal "${sensor.sim}"`);
      }
    }
  });
  checkControl(board, pinOwner, problems);
  return problems;
}

/** Drivers the physical model can drive on a simulated board. */
const SIMULATED_DRIVERS = new Set(["analog-linear", "digital-input", "coulomb-soc", "soil-moisture"]);

/**
 * An I2C address belongs to one chip: several sensors may read it only with the same driver (a
 * BME280's temperature and humidity). A serial port belongs to one instrument protocol.
 */
function checkBusUse(board: BoardDefinition, i: number, owners: Map<string, number>): string[] {
  const sensor = board.sensors[i];
  let key: string | undefined;
  let field: string | undefined;
  if ("address" in sensor) {
    key = `i2c:${sensor.address}`;
    field = "address";
  } else if ("port" in sensor) {
    key = `serial:${sensor.port}`;
    field = "port";
  }
  if (!key || !field) return [];
  const owner = owners.get(key);
  if (owner === undefined) {
    owners.set(key, i);
    return [];
  }
  const other = board.sensors[owner];
  // The ADS1115 converts one input at a time, in the mode its setup writes: two sensors on one chip
  // with different inputs would both read whichever was configured last.
  if (sensor.driver === "ads1115-current-loop" && other.driver === sensor.driver && "channel" in sensor && "channel" in other && sensor.channel !== other.channel) {
    return [`sensors[${i}].channel: AIN${sensor.channel} on the ADS1115 at 0x${(sensor as { address: number }).address.toString(16)} would read AIN${other.channel} of sensors[${owner}] (${other.id}): the agent reads one input per chip; give the second loop a chip of its own (ADDR pin: 0x48-0x4b)`];
  }
  if (other.driver === sensor.driver) {
    const sameSettings = !("baudRate" in sensor) || ("baudRate" in other && other.baudRate === sensor.baudRate);
    return sameSettings ? [] : [`sensors[${i}].baudRate: ${sensor.port} is opened at another rate by sensors[${owner}] (${other.id})`];
  }
  const shown = field === "address" ? `0x${(sensor as { address: number }).address.toString(16)}` : (sensor as { port: string }).port;
  return [`sensors[${i}].${field}: ${shown} is already used by sensors[${owner}] (${other.id}, ${other.driver})`];
}

/**
 * What an output does while its pin is driven LOW (StandardFirmata's start-up state, measured in
 * test/e2e/hil-water-board.test.ts), when that is not its safe state.
 */
function unsafeAtBoot(a: BoardDefinition["actuators"][number]): string | undefined {
  if (a.kind === "pwm") return a.safeState > 0 ? `is at 0 % instead of its safe ${a.safeState} %` : undefined;
  const energised = a.activeLow; // LOW energises an active-low board's coil
  const loadOn = energised !== (a.contact === "NC");
  if (loadOn === (a.safeState === "on")) return undefined;
  return loadOn ? "is switched ON instead of its safe off" : "is switched OFF instead of its safe on";
}

function checkControl(board: BoardDefinition, pinOwner: Map<string, number>, problems: string[]): void {
  const outputs = new Set<string>();
  board.actuators.forEach((a, i) => {
    if (board.io.kind === "instruments" || board.io.kind === "linux-i2c") problems.push(`actuators[${i}]: this board's io is "${board.io.kind}" and has no pins to switch`);
    if (outputs.has(a.id) || board.sensors.some((s) => s.id === a.id)) problems.push(`actuators[${i}].id: "${a.id}" is already used on this board`);
    outputs.add(a.id);
    const pins = [a.pin, ...(a.kind !== "pwm" && a.feedbackPin !== undefined ? [a.feedbackPin] : [])];
    for (const pin of pins) {
      const owner = pinOwner.get(String(pin));
      if (owner !== undefined) problems.push(`actuators[${i}].pin: ${pin} is already used by sensors[${owner}] (${board.sensors[owner].id})`);
      else pinOwner.set(String(pin), -1 - i);
    }
    const unsafe = board.io.kind === "firmata" ? unsafeAtBoot(a) : undefined;
    if (unsafe && !a.bootGuard) {
      problems.push(`actuators[${i}].bootGuard: ${a.id} ${unsafe} while StandardFirmata drives pin ${a.pin} LOW at start-up, until the agent takes over (52 ms measured with the agent already waiting, longer if it starts later); rewire it (an active-high board, the NC contact) or declare the hardware measure that keeps it safe (for example the relay board's JD-VCC switched on after the agent starts)`);
    }
    try {
      parseDurationMs(a.maxOnTime);
    } catch (err) {
      problems.push(`actuators[${i}].maxOnTime: ${(err as Error).message}`);
    }
  });
  const sensorIds = new Set(board.sensors.map((s) => s.id));
  board.safety.forEach((loop, i) => {
    const output = board.actuators.find((a) => a.id === loop.output);
    if (!output) problems.push(`safety[${i}].output: no actuator "${loop.output}" on this board`);
    else if ((output.kind === "pwm") !== (typeof loop.hold === "number")) {
      problems.push(`safety[${i}].hold: ${output.kind} "${output.id}" takes ${output.kind === "pwm" ? "a duty in %" : "on or off"}`);
    }
    for (const field of ["when", "clear"] as const) {
      try {
        for (const name of namesIn(parseComparison(loop[field]))) {
          if (!sensorIds.has(name)) problems.push(`safety[${i}].${field}: no sensor "${name}" on this board`);
        }
      } catch (err) {
        problems.push(`safety[${i}].${field}: ${(err as Error).message}`);
      }
    }
  });
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

/** A second or later DS18B20 on a pin: every probe on it needs a ROM code, no two the same. */
function sharedOneWirePin(board: BoardDefinition, i: number, pin: string): string[] {
  const onPin = board.sensors.slice(0, i + 1).flatMap((s, k) => (s.driver === "ds18b20" && String(s.pin) === pin ? [{ s, k }] : []));
  const problems = onPin.filter(({ s }) => !s.rom).map(({ s, k }) => `sensors[${k}].rom: ${s.id} shares OneWire pin ${pin} with another DS18B20: give each probe its ROM code, 16 hex digits (a wrong one is reported with the codes found on the bus)`);
  const me = board.sensors[i] as { rom?: string; id: string };
  const twin = onPin.find(({ s, k }) => k < i && s.rom && me.rom && s.rom.toLowerCase() === me.rom.toLowerCase());
  if (twin) problems.push(`sensors[${i}].rom: ${me.rom} is already the ROM code of sensors[${twin.k}] (${twin.s.id})`);
  // Reported once per pair, not once for every later probe.
  return i === onPin[1]?.k ? problems : problems.filter((p) => p.startsWith(`sensors[${i}]`));
}
