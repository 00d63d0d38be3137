// Wires a simulated IO plugin to the village model: each pin carries the model signal its sensor
// names, turned back into the counts or level the real sensor would produce.
import type { BoardDefinition } from "../../../protocol/board/schema.ts";
import { analogLinear } from "../../drivers/analog-linear.ts";
import type { SimulatedSignal } from "../../../protocol/board/simulated-signals.ts";
import type { VillageModel } from "./village-model.ts";
import { SimulatedIo } from "../simulated-io.ts";

export interface SimulatedBoardIoOptions {
  board: BoardDefinition;
  model: VillageModel;
  /** Simulated time now, epoch ms; the model is advanced to it before each read. */
  simNowMs: () => number;
  samplingIntervalMs?: number;
  /** Answers as StandardFirmata does (SimulatedIoOptions.onDemand). */
  onDemand?: boolean;
}

export function openSimulatedBoardIo(o: SimulatedBoardIoOptions): SimulatedIo {
  const analog = new Map<number, () => number>();
  const digital = new Map<number, () => 0 | 1>();
  const signal = (name: string) => {
    o.model.advanceTo(o.simNowMs());
    return o.model.signal(name as SimulatedSignal);
  };
  for (const sensor of o.board.sensors) {
    if (!sensor.sim) continue;
    const sim = sensor.sim;
    if (sensor.driver === "analog-linear") {
      const map = analogLinear(sensor.calibration);
      const span = Math.abs(sensor.calibration.values[1] - sensor.calibration.values[0]);
      analog.set(Number(sensor.pin.slice(1)), () => map.toCounts(signal(sim) + o.model.noise(span * 0.001)));
    } else if (sensor.driver === "digital-input") {
      const activeLow = sensor.activeLow;
      digital.set(sensor.pin, () => {
        const on = signal(sim) > 0.5;
        return (on !== activeLow ? 1 : 0) as 0 | 1;
      });
    }
  }
  const io = new SimulatedIo({
    name: `SimulatedIO(${o.board.id})`,
    readAnalog: (channel) => analog.get(channel)?.() ?? 0,
    readDigital: (pin) => digital.get(pin)?.() ?? 0,
    samplingIntervalMs: o.samplingIntervalMs,
    onDemand: o.onDemand,
  });
  // A simulated valve reaches its end switch at once: the switch reads the coil's state.
  for (const a of o.board.actuators) {
    if (a.kind !== "valve" || a.feedbackPin === undefined) continue;
    const { pin, activeLow, contact } = a;
    digital.set(a.feedbackPin, () => {
      const energised = (io.pins[pin].value === 1) !== activeLow;
      return (energised !== (contact === "NC") ? 1 : 0) as 0 | 1;
    });
  }
  return io;
}
