// Byte helpers shared by the bus drivers: registers arrive as raw bytes, most significant first.
export function u16be(b: ArrayLike<number>, at = 0): number {
  return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
}

export function s16be(b: ArrayLike<number>, at = 0): number {
  const v = u16be(b, at);
  return v & 0x8000 ? v - 0x10000 : v;
}

export function u16le(b: ArrayLike<number>, at = 0): number {
  return (b[at] & 0xff) | ((b[at + 1] & 0xff) << 8);
}

export function s16le(b: ArrayLike<number>, at = 0): number {
  const v = u16le(b, at);
  return v & 0x8000 ? v - 0x10000 : v;
}

export function s24be(b: ArrayLike<number>, at = 0): number {
  const v = ((b[at] & 0xff) << 16) | ((b[at + 1] & 0xff) << 8) | (b[at + 2] & 0xff);
  return v & 0x800000 ? v - 0x1000000 : v;
}

/** IEEE 754 single precision from two big-endian 16-bit registers (Modbus word order). */
export function f32be(b: ArrayLike<number>, at = 0): number {
  return Buffer.from([b[at], b[at + 1], b[at + 2], b[at + 3]]).readFloatBE(0);
}

export function expectLength(bytes: ArrayLike<number>, n: number, what: string): void {
  if (bytes.length < n) throw new Error(`${what}: expected ${n} bytes, got ${bytes.length}`);
}
