// ROHM BH1750FVI ambient light sensor on I2C (datasheet 2011.11 rev D). It has no registers: the
// opcode 0x20 starts one high-resolution measurement (1 lx, at most 180 ms), after which the chip
// powers down; a read returns two bytes, big-endian, and lux = counts / 1.2 at the default
// measurement time (MTreg = 69). One measurement per sample rather than continuous mode: a chip
// that browned out is in power-down with its data register reset to 0, which continuous mode
// would go on reading as darkness; it has nothing that could tell us it forgot. A brown-out in
// the middle of a measurement still leaves 0 to be read once: a sudden exact 0 after light is
// measured again before it is believed (dusk takes minutes; a reset value takes none).
import { u16be } from "./bytes.ts";
import type { I2cPlan } from "./i2c-driver.ts";
import { onI2cBus } from "../sensors/i2c-channel.ts";

export function bh1750Lux(bytes: number[]): number {
  const counts = u16be(bytes);
  // Full scale (65535 counts, 54,612 lx in H-resolution mode): the true light may be anything above.
  if (counts === 0xffff) throw new Error("BH1750 is saturated (65535 counts, 54612 lx or more): shade it or lower its measurement time");
  return counts / 1.2;
}

export function bh1750(): I2cPlan<unknown> {
  return {
    setup: [],
    // An opcode, not a register: one-time H-resolution mode.
    measure: { command: { register: 0x20, bytes: [] }, waitMs: 180 },
    // Register -1: a plain read with no register byte written first.
    sample: [{ register: -1, bytes: 2 }],
    convert: (bytes) => bh1750Lux(bytes),
    doubt: (bytes, previous) =>
      u16be(bytes) === 0 && previous !== undefined && u16be(previous) > 0
        ? `read 0 lx straight after ${Math.round(u16be(previous) / 1.2)} lx: measuring again to tell darkness from a chip that lost power`
        : undefined,
  };
}

export const bh1750Driver = onI2cBus<"bh1750", unknown>(() => ({ plan: bh1750(), config: undefined }));
