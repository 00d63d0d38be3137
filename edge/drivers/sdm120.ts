// Eastron SDM120-Modbus single-phase energy meter (user manual v2.x, "Input Registers"): Modbus RTU
// function 04, each quantity an IEEE 754 float in two registers, high word first.
import { f32be } from "./bytes.ts";
import { instrumentDriver } from "../instruments/instrument-channel.ts";

export const sdm120Registers = {
  voltage: { address: 0x0000, unit: "V" },
  current: { address: 0x0006, unit: "A" },
  power: { address: 0x000c, unit: "W" },
  /** Total active energy, kWh on the meter; published in Wh. */
  energy: { address: 0x0156, unit: "Wh" },
} as const;

export type Sdm120Quantity = keyof typeof sdm120Registers;

/** Four bytes (two registers) to the protocol unit. */
export function sdm120Value(quantity: Sdm120Quantity, bytes: number[]): number {
  const v = f32be(bytes);
  if (!Number.isFinite(v)) throw new Error(`SDM120 ${quantity} register holds no number (NaN): the meter is starting up or mis-addressed`);
  return quantity === "energy" ? v * 1000 : v;
}

export const sdm120Driver = instrumentDriver("sdm120", {
  // One meter per port, polled for the quantities its sensors name.
  async open(port, sensors, o) {
    const { Sdm120Meter } = await import("../instruments/sdm120-meter.ts");
    const [first] = sensors;
    return new Sdm120Meter({ path: port, baudRate: first.baudRate, modbusId: first.modbusId, quantities: sensors.map((s) => s.quantity), log: o.log, pollMs: o.pollMs });
  },
  read: (meter, sensor) => meter.read(sensor.quantity),
});
