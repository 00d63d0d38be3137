// A chip on a simulated I2C bus: what a register-based device answers. Tests and simulators give
// the simulated IO plugin (and the fake Firmata board) a map of these by address.
export interface SimulatedI2cChip {
  /** Bytes written to the chip: a register (or opcode) followed by data. */
  write(bytes: number[]): void;
  /** `register` null: a plain read. undefined: the chip does not answer (NACK, unplugged). */
  read(register: number | null, length: number): number[] | undefined;
}

/** A register-file chip: reads return consecutive registers; writes set them. */
export function registerChip(registers: Record<number, number>, options: { answering?: () => boolean } = {}): SimulatedI2cChip & { registers: Record<number, number>; writes: number[][] } {
  const writes: number[][] = [];
  return {
    registers,
    writes,
    write(bytes) {
      writes.push(bytes);
      const [register, ...data] = bytes;
      data.forEach((b, k) => (registers[register + k] = b));
    },
    read(register, length) {
      if (options.answering && !options.answering()) return undefined;
      const start = register ?? 0;
      return Array.from({ length }, (_, k) => registers[start + k] ?? 0);
    },
  };
}
