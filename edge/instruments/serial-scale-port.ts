// A platform scale printing its weight continuously on a serial line: keeps the latest stable
// weight. Unstable weights (someone is scooping grain) are not published as stock.
import { parseScaleLine } from "../drivers/serial-scale.ts";
import { SerialInstrument, type SerialInstrumentOptions } from "./serial-instrument.ts";

export interface SerialScalePortOptions extends SerialInstrumentOptions {
  baudRate: number;
  staleMs?: number;
}

export class SerialScalePort extends SerialInstrument {
  private buffer = "";
  private latest: { kg: number; atMs: number } | undefined;
  private lastProblem: { reason: string; atMs: number } | undefined;

  constructor(private readonly o: SerialScalePortOptions) {
    super(o);
  }

  read(): number {
    const staleMs = this.o.staleMs ?? 10_000;
    if (!this.latest || this.now() - this.latest.atMs > staleMs) {
      const why = this.link.problem ?? this.lastProblem?.reason ?? "check that the indicator sends continuously";
      throw new Error(`no stable weight from the scale on ${this.o.path} for ${Math.round(staleMs / 1000)} s: ${why}`);
    }
    return this.latest.kg;
  }

  warnings(): string[] {
    return this.lastProblem && this.now() - this.lastProblem.atMs < 60_000 ? [`${this.o.path}: ${this.lastProblem.reason}`] : [];
  }

  protected onData(chunk: Buffer): void {
    this.buffer += chunk.toString("latin1");
    if (this.buffer.length > 4096) this.buffer = this.buffer.slice(-256); // a line that never ends
    let nl: number;
    while ((nl = this.buffer.search(/[\r\n]/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        const parsed = parseScaleLine(line);
        if (parsed.stable) this.latest = { kg: parsed.kg, atMs: this.now() };
      } catch (err) {
        this.lastProblem = { reason: (err as Error).message, atMs: this.now() };
      }
    }
  }
}
