// A NAU7802 on a simulated I2C bus, modelled on its datasheet (rev 1.7, §9.1): PUR (PU_CTRL bit 3)
// comes up once the digital side is powered and goes with a register reset; CALS (CTRL2 bit 2)
// clears when the offset calibration is done; the revision id reads 0x0F; the ADC holds `counts`.
import type { SimulatedI2cChip } from "../../edge/io/simulated-i2c.ts";

export function nau7802Chip(counts: number): SimulatedI2cChip & { registers: Record<number, number>; writes: number[][] } {
  const c = counts & 0xffffff;
  const registers: Record<number, number> = { 0x1f: 0x0f, 0x12: (c >> 16) & 0xff, 0x13: (c >> 8) & 0xff, 0x14: c & 0xff };
  const writes: number[][] = [];
  return {
    registers,
    writes,
    write(bytes) {
      writes.push(bytes);
      const [register, value] = bytes;
      if (register === 0x00) registers[0x00] = (value & ~0x08) | (value & 0x01 ? 0 : value & 0x02 ? 0x08 : 0);
      else if (register === 0x02) registers[0x02] = value & ~0x04;
      else registers[register] = value;
    },
    read(register, length) {
      const start = register ?? 0;
      return Array.from({ length }, (_, k) => registers[start + k] ?? 0);
    },
  };
}
