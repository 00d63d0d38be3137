// What every instrument on its own serial line shares: the line (opened, reopened when lost), the
// clock its readings are timed by, start and stop. Each instrument parses its own protocol.
import type { Logger } from "pino";
import { SerialLink } from "./serial-link.ts";

export interface SerialInstrumentOptions {
  path: string;
  log: Logger;
  now?: () => number;
  reopenMs?: number;
}

export abstract class SerialInstrument {
  readonly link: SerialLink;

  constructor(private readonly line: SerialInstrumentOptions & { baudRate: number }) {
    this.link = new SerialLink({ path: line.path, baudRate: line.baudRate, log: line.log, onData: (c) => this.onData(c), reopenMs: line.reopenMs });
  }

  protected abstract onData(chunk: Buffer): void;

  protected now(): number {
    return (this.line.now ?? Date.now)();
  }

  start(): void {
    this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }
}
