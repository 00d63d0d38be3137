// Eastron SDM120-Modbus single-phase energy meter (user manual v2.x, "Input Registers"): Modbus RTU
// function 04, each quantity an IEEE 754 float in two registers, high word first.
import { f32be } from "./bytes.ts";
import { instrumentChannel } from "../instruments/instrument-channel.ts";
import type { Driver } from "../sensors/channel.ts";

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

export const sdm120Driver: Driver<"sdm120"> = instrumentChannel;
