// The link to an Arduino-class board is a sensor of its own. StandardFirmata streams analog reports,
// but a board with digital inputs only may be quiet for a long time, so every sampling round asks
// for the firmware's version (REPORT_VERSION, one byte; firmata.org protocol v2.5) and a live board
// answers within milliseconds. No byte at all since the previous round's question: the link is
// silent (a hung board, a cable pulled without the port closing). A closed port is closed. A
// firmware name the agent never asked for means the board started again (a brown-out, a reset):
// it has forgotten every pin mode and report, and must be set up again.
import type { EventEmitter } from "node:events";

export type LinkState = "up" | "silent" | "closed" | "restarted";

const REPORT_VERSION = 0xf9;
const FIRMWARE_GRACE_MS = 1_000;

export class LinkWatch {
  /** Bytes received since the last check. */
  private bytes = 0;
  private closed = false;
  private restarted = false;
  /** Since when the link has not been up (for the warning); undefined while up. */
  downSinceMs: number | undefined;
  private readonly onData = () => void this.bytes++;
  private readonly onClose = () => (this.closed = true);
  private readonly attachedAtMs: number;
  // Answers to the handshake's own questions may still be on their way for a few milliseconds;
  // a restarted board takes far longer than this to announce itself (1.9 s for StandardFirmata).
  private readonly onFirmware = () => {
    if (this.now() - this.attachedAtMs > FIRMWARE_GRACE_MS) this.restarted = true;
  };

  constructor(
    private readonly io: EventEmitter & { transport?: EventEmitter & { write?: (b: Buffer) => unknown } },
    private readonly now: () => number,
  ) {
    this.attachedAtMs = now();
    io.transport?.on("data", this.onData);
    io.transport?.on("close", this.onClose);
    io.on("queryfirmware", this.onFirmware);
    this.probe(); // the first round's question: a board without analog reports may be quiet
  }

  private probe(): void {
    try {
      if (!this.closed) this.io.transport?.write?.(Buffer.from([REPORT_VERSION]));
    } catch {
      // a port failing to write is a closed one; the next check says so
    }
  }

  /** Once per sampling round: the link's state, then this round's question to the board. */
  check(): LinkState {
    const now = this.now();
    const state: LinkState = this.closed ? "closed" : this.restarted ? "restarted" : this.bytes > 0 ? "up" : "silent";
    this.bytes = 0;
    if (state === "up") this.downSinceMs = undefined;
    else this.downSinceMs ??= now;
    this.probe();
    return state;
  }

  detach(): void {
    this.io.transport?.off("data", this.onData);
    this.io.transport?.off("close", this.onClose);
    this.io.off("queryfirmware", this.onFirmware);
  }
}
