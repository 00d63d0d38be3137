// An Eastron SDM120 energy meter on Modbus RTU (RS-485 adapter on USB), read with modbus-serial:
// the quantities the board file names are polled in turn and the latest of each kept with its time.
// A meter that stops answering, or a port that disappears, makes readings fail with the reason;
// the port is reopened on the next poll.
import modbus from "modbus-serial";
import type { Logger } from "pino";
import { sdm120Registers, sdm120Value, type Sdm120Quantity } from "../drivers/sdm120.ts";

/** What is used of modbus-serial's client (its ModbusRTU class is not exported as a type). */
interface ModbusClient {
  isOpen: boolean;
  connectRTUBuffered(path: string, options: { baudRate: number; dataBits: 8; parity: "none"; stopBits: 1 }): Promise<void>;
  setID(id: number): void;
  setTimeout(ms: number): void;
  readInputRegisters(address: number, length: number): Promise<{ buffer: Buffer }>;
  close(callback: () => void): void;
}

export interface Sdm120MeterOptions {
  path: string;
  baudRate: number;
  modbusId: number;
  quantities: Sdm120Quantity[];
  log: Logger;
  pollMs?: number;
  now?: () => number;
}

export class Sdm120Meter {
  // modbus-serial is CommonJS whose typings declare an ES default: at runtime the module itself is
  // the constructor.
  private readonly client: ModbusClient = new (modbus as unknown as new () => ModbusClient)();
  private readonly latest = new Map<Sdm120Quantity, { value: number; atMs: number }>();
  private problem: string | undefined = "not polled yet";
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  constructor(private readonly o: Sdm120MeterOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    this.stopped = false;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? 2_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.client.isOpen) await new Promise<void>((resolve) => this.client.close(() => resolve()));
  }

  read(quantity: Sdm120Quantity): number {
    const staleMs = 3 * (this.o.pollMs ?? 2_000);
    const l = this.latest.get(quantity);
    if (!l || this.now() - l.atMs > staleMs) {
      throw new Error(`SDM120 ${this.o.path} id ${this.o.modbusId}: no ${quantity} for ${Math.round(staleMs / 1000)} s: ${this.problem ?? "check the RS-485 A/B wiring"}`);
    }
    return l.value;
  }

  warnings(): string[] {
    return this.problem && this.problem !== "not polled yet" ? [`SDM120 ${this.o.path}: ${this.problem}`] : [];
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      if (!this.client.isOpen) {
        await this.client.connectRTUBuffered(this.o.path, { baudRate: this.o.baudRate, dataBits: 8, parity: "none", stopBits: 1 });
        this.client.setID(this.o.modbusId);
        this.client.setTimeout(500);
      }
      for (const q of this.o.quantities) {
        const result = await this.client.readInputRegisters(sdm120Registers[q].address, 2);
        this.latest.set(q, { value: sdm120Value(q, [...result.buffer]), atMs: this.now() });
      }
      this.problem = undefined;
    } catch (err) {
      const message = (err as Error).message || String(err);
      if (this.problem !== message) this.o.log.warn({ path: this.o.path, err: message }, "SDM120 poll failed");
      this.problem = /timed out/i.test(message) ? `no answer (${message}): check the meter's address, baud rate and the A/B wires` : message;
      if (this.client.isOpen && /port|closed|open/i.test(message)) this.client.close(() => undefined);
    } finally {
      this.polling = false;
    }
  }
}
