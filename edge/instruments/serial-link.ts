// A serial instrument's cable: opens the port with serialport, hands every chunk to its protocol,
// and when the port fails or disappears (a USB adapter pulled, a torn cable) reopens it every few
// seconds. The agent keeps running meanwhile; the instrument's sensors read invalid with the reason.
import { existsSync } from "node:fs";
import { SerialPort } from "serialport";
import type { Logger } from "pino";

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  log: Logger;
  onData: (chunk: Buffer) => void;
  reopenMs?: number;
  /** How often an open port's device path is checked for still being there, ms. */
  checkPathMs?: number;
}

export class SerialLink {
  private port: SerialPort | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pathCheck: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Why the link is down, for readings and health; undefined while open. */
  problem: string | undefined = "not opened yet";

  constructor(private readonly o: SerialLinkOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  write(bytes: Buffer): void {
    if (this.port?.isOpen) this.port.write(bytes);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pathCheck) clearInterval(this.pathCheck);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private open(): void {
    const port = new SerialPort({ path: this.o.path, baudRate: this.o.baudRate, autoOpen: false });
    this.port = port;
    port.on("data", (chunk: Buffer) => this.o.onData(chunk));
    port.on("close", () => this.down(`serial port ${this.o.path} closed`));
    port.on("error", (err) => this.down(`serial port ${this.o.path}: ${err.message}`));
    port.open((err) => {
      if (err) return this.down(`cannot open ${this.o.path}: ${err.message}: check the cable and the adapter`);
      this.problem = undefined;
      this.o.log.info({ path: this.o.path }, "serial instrument connected");
      // A pulled USB adapter takes its /dev/serial/by-id name with it at once, while the open
      // descriptor may report nothing for a while: the name going is the link going.
      this.pathCheck = setInterval(() => {
        if (!existsSync(this.o.path)) this.down(`serial port ${this.o.path} is gone: check the cable and the adapter`);
      }, this.o.checkPathMs ?? 1_000);
      this.pathCheck.unref();
    });
  }

  private down(reason: string): void {
    if (this.stopped || this.timer) return;
    this.problem = reason;
    this.o.log.warn({ path: this.o.path, reason }, "serial instrument link down; reopening");
    if (this.pathCheck) clearInterval(this.pathCheck);
    this.pathCheck = undefined;
    const port = this.port;
    this.port = undefined;
    port?.removeAllListeners();
    port?.on("error", () => undefined); // closing a port whose device is gone may fail; it is let go either way
    if (port?.isOpen) port.close(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.open();
    }, this.o.reopenMs ?? 3_000);
  }
}
