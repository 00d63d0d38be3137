// A NAU7802 on a simulated I2C bus, modelled on its datasheet (rev 1.7, §9.1): PUR (PU_CTRL bit 3)
// comes up once the digital side is powered and goes with a register reset; CALS (CTRL2 bit 2)
// clears when the offset calibration is done; the revision id reads 0x0F; the ADC holds `counts`.
import { registerChip } from "../../edge/io/simulated-i2c.ts";

export function nau7802Chip(counts: number): ReturnType<typeof registerChip> {
  const c = counts & 0xffffff;
  const chip = registerChip({ 0x1f: 0x0f, 0x12: (c >> 16) & 0xff, 0x13: (c >> 8) & 0xff, 0x14: c & 0xff });
  const store = chip.write.bind(chip);
  return {
    ...chip,
    write(bytes) {
      store(bytes);
      const [register, value] = bytes;
      // The read-only and self-clearing bits, as the chip sets them.
      if (register === 0x00) chip.registers[0x00] = (value & ~0x08) | (value & 0x01 ? 0 : value & 0x02 ? 0x08 : 0);
      if (register === 0x02) chip.registers[0x02] = value & ~0x04;
    },
  };
}
