// TI INA219 current/power monitor (SBOS448G). §8.6.3.1 shunt voltage register 0x01: signed, LSB
// 10 uV; §8.6.3.2 bus voltage register 0x02: bits 15..3, LSB 4 mV; bit 0 (OVF) set means the
// power or current calculation overflowed.
import { s16be, u16be } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";
import { shuntMonitorPlan, type ShuntConfig } from "./shunt-monitor.ts";
import { onI2cBus } from "../sensors/i2c-channel.ts";

export type { PowerQuantity, ShuntConfig } from "./shunt-monitor.ts";

export function ina219BusVolts(bytes: number[]): number {
  const raw = u16be(bytes);
  if (raw & 0x1) throw new Error("INA219 reports overflow (OVF): the current exceeds the shunt's range");
  return (raw >> 3) * 0.004;
}

export function ina219ShuntVolts(bytes: number[]): number {
  return s16be(bytes) * 10e-6;
}

export function ina219(_config: ShuntConfig): I2cPlan<ShuntConfig> {
  // Configuration 0x399F: 32 V bus range, PGA /8 (320 mV), 12-bit, continuous shunt and bus.
  return shuntMonitorPlan({ configuration: [0x39, 0x9f], shuntVolts: ina219ShuntVolts, busVolts: ina219BusVolts });
}

export const ina219Driver = onI2cBus<"ina219", ShuntConfig>((sensor) => ({ plan: ina219(sensor), config: sensor }));
