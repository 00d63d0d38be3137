// ROHM BH1750FVI ambient light sensor on I2C (datasheet 2011.11 rev D). It has no registers: the
// opcode 0x10 selects continuous high-resolution mode (1 lx, 120 ms); each read returns two bytes,
// big-endian, and lux = counts / 1.2 at the default measurement time (MTreg = 69).
import { u16be } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";

export function bh1750Lux(bytes: number[]): number {
  const counts = u16be(bytes);
  // Full scale (65535 counts, 54,612 lx in H-resolution mode): the true light may be anything above.
  if (counts === 0xffff) throw new Error("BH1750 is saturated (65535 counts, 54612 lx or more): shade it or lower its measurement time");
  return counts / 1.2;
}

export function bh1750(): I2cPlan<unknown> {
  return {
    // Opcodes, not registers: power on (0x01), then continuous H-resolution mode (0x10).
    setup: [{ register: 0x01, bytes: [] }, { register: 0x10, bytes: [] }],
    // Register -1: a plain read with no register byte written first.
    sample: [{ register: -1, bytes: 2 }],
    convert: (bytes) => bh1750Lux(bytes),
  };
}
