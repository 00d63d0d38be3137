// TI INA226 current/power monitor (SBOS547B). §7.6.2 shunt voltage register 0x01: signed, LSB
// 2.5 uV; §7.6.3 bus voltage register 0x02: unsigned, LSB 1.25 mV (up to 36 V).
import { s16be, u16be } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";
import { shuntMonitorPlan, type ShuntConfig } from "./shunt-monitor.ts";
import { onI2cBus } from "../sensors/i2c-channel.ts";

export function ina226BusVolts(bytes: number[]): number {
  return u16be(bytes) * 0.00125;
}

export function ina226ShuntVolts(bytes: number[]): number {
  return s16be(bytes) * 2.5e-6;
}

export function ina226(_config: ShuntConfig): I2cPlan<ShuntConfig> {
  // Configuration 0x4527: 16 averages, 1.1 ms conversions, continuous shunt and bus.
  return shuntMonitorPlan({ configuration: [0x45, 0x27], shuntVolts: ina226ShuntVolts, busVolts: ina226BusVolts });
}

export const ina226Driver = onI2cBus<"ina226", ShuntConfig>((sensor) => ({ plan: ina226(sensor), config: sensor }));
