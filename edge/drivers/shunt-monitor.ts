// What the INA219 and INA226 share: shunt voltage in register 0x01 and bus voltage in 0x02, read one
// register at a time (neither advances its pointer on a long read); current from the shunt
// voltage and the shunt's resistance, so neither chip's calibration register is needed.
import type { I2cPlan } from "./i2c-driver.ts";

export type PowerQuantity = "voltage" | "current" | "power";

export interface ShuntConfig {
  quantity: PowerQuantity;
  shuntOhms: number;
}

export function shuntMonitorPlan(chip: { configuration: [number, number]; shuntVolts(b: number[]): number; busVolts(b: number[]): number }): I2cPlan<ShuntConfig> {
  return {
    setup: [{ register: 0x00, bytes: chip.configuration }],
    sample: [{ register: 0x01, bytes: 2 }, { register: 0x02, bytes: 2 }],
    convert(bytes, _constants, c) {
      const volts = chip.busVolts(bytes.slice(2, 4));
      const amps = chip.shuntVolts(bytes.slice(0, 2)) / c.shuntOhms;
      return c.quantity === "voltage" ? volts : c.quantity === "current" ? amps : volts * amps;
    },
  };
}
