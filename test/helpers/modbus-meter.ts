// A Modbus RTU slave standing in for an energy meter on the far end of a pseudo-terminal: answers
// "read input registers" (function 04) from a register map of 16-bit words. Frame format and
// CRC-16 (poly 0xA001) from the Modbus over Serial Line specification v1.02, §2.5.1.
import type { Pty } from "./pty.ts";

export function crc16Modbus(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >> 1) ^ 0xa001 : crc >> 1;
  }
  return crc;
}

/** Input registers holding IEEE 754 floats, high word first, as an SDM120 keeps them. */
export function floatRegisters(values: Record<number, number>): Map<number, number> {
  const words = new Map<number, number>();
  for (const [address, value] of Object.entries(values)) {
    const b = Buffer.alloc(4);
    b.writeFloatBE(value);
    words.set(Number(address), b.readUInt16BE(0));
    words.set(Number(address) + 1, b.readUInt16BE(2));
  }
  return words;
}

export function serveModbusMeter(pty: Pty, id: number, registers: () => Map<number, number>): { requests: number } {
  const state = { requests: 0 };
  let pending = Buffer.alloc(0);
  pty.onReceive = (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const frame = pending.subarray(0, 8);
      pending = pending.subarray(8);
      if (crc16Modbus(frame.subarray(0, 6)) !== frame.readUInt16LE(6) || frame[0] !== id || frame[1] !== 0x04) continue;
      state.requests++;
      const start = frame.readUInt16BE(2);
      const count = frame.readUInt16BE(4);
      const body = Buffer.alloc(3 + 2 * count);
      body[0] = id;
      body[1] = 0x04;
      body[2] = 2 * count;
      const map = registers();
      for (let k = 0; k < count; k++) body.writeUInt16BE(map.get(start + k) ?? 0, 3 + 2 * k);
      const crc = Buffer.alloc(2);
      crc.writeUInt16LE(crc16Modbus(body));
      pty.send(Buffer.concat([body, crc]));
    }
  };
  return state;
}
