// Reads MQTT fixed headers as bytes arrive and cuts the connection when a packet announces more
// than the limit, before its body is buffered: aedes (mqtt-packet) would otherwise collect a
// packet of any announced size, up to 256 MB. MQTT 3.1.1 §2.2.3: the remaining length is a
// variable-length integer of at most four bytes.
import { Duplex, Transform, type TransformCallback } from "node:stream";
import type { Socket } from "node:net";

export class PacketSizeGuard extends Transform {
  private remaining = 0; // body bytes of the current packet still to pass
  private header: number[] = []; // fixed header bytes read so far (type byte, then length bytes)

  constructor(
    private readonly maxBytes: number,
    private readonly onTooLarge: (announced: number) => void,
  ) {
    super();
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        continue;
      }
      this.header.push(chunk[i++]);
      if (this.header.length === 1) continue; // the packet type byte
      const lengthBytes = this.header.slice(1);
      const last = lengthBytes[lengthBytes.length - 1];
      if (last & 0x80) {
        if (lengthBytes.length === 4) return this.refuse(Number.MAX_SAFE_INTEGER, done); // malformed length
        continue;
      }
      const length = lengthBytes.reduce((sum, b, k) => sum + (b & 0x7f) * 128 ** k, 0);
      if (length + this.header.length > this.maxBytes) return this.refuse(length + this.header.length, done);
      this.remaining = length;
      this.header = [];
    }
    done(null, chunk);
  }

  private refuse(announced: number, done: TransformCallback): void {
    this.onTooLarge(announced);
    done(new Error(`packet of ${announced} bytes is over the ${this.maxBytes}-byte limit`));
  }
}

/** The socket as aedes sees it: reads pass through the guard, writes go straight to the socket. */
export function guardedSocket(socket: Socket, maxBytes: number, onTooLarge: (announced: number) => void): Duplex {
  const guard = new PacketSizeGuard(maxBytes, (announced) => {
    onTooLarge(announced);
    socket.destroy();
  });
  socket.pipe(guard);
  const duplex = Duplex.from({ readable: guard, writable: socket });
  socket.once("close", () => duplex.destroy());
  guard.once("error", () => duplex.destroy());
  return duplex;
}
