// A Victron charge controller or battery monitor on its VE.Direct port (19200 baud): keeps the
// latest valid block and what went wrong, for the sensors that read its fields.
import { VeDirectParser, veDirectValue, veDirectWarnings, type VeDirectField, type VeDirectFields } from "../drivers/vedirect.ts";
import { SerialInstrument, type SerialInstrumentOptions } from "./serial-instrument.ts";

export interface VeDirectPortOptions extends SerialInstrumentOptions {
  /** A block older than this is no longer "now"; VE.Direct sends one per second. */
  staleMs?: number;
}

export class VeDirectPort extends SerialInstrument {
  private readonly parser = new VeDirectParser();
  /**
   * Every field from every valid block, each with when it last came: a BMV-712 sends its readings
   * (V, I, SOC ...) and its history (H1 ...) in blocks of their own, one each second in turn, so a
   * field stays current as long as its own block keeps coming, whatever block came last.
   */
  private readonly fields: VeDirectFields = {};
  private readonly fieldAtMs = new Map<string, number>();
  private lastBlockAtMs: number | undefined;
  private lastError: { reason: string; atMs: number } | undefined;
  badBlocks = 0;
  goodBlocks = 0;

  constructor(private readonly o: VeDirectPortOptions) {
    super({ ...o, baudRate: 19200 });
    this.parser.on("frame", (fields) => {
      this.goodBlocks++;
      const now = this.now();
      this.lastBlockAtMs = now;
      for (const [name, value] of Object.entries(fields)) {
        this.fields[name] = value;
        this.fieldAtMs.set(name, now);
      }
    });
    this.parser.on("error", (reason) => {
      this.badBlocks++;
      this.lastError = { reason, atMs: this.now() };
      o.log.warn({ path: o.path, reason }, "VE.Direct block rejected");
    });
  }

  protected onData(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  /** A field's value now; throws with what to check when there is none to trust. */
  read(field: VeDirectField): number {
    const staleMs = this.o.staleMs ?? 5_000;
    const now = this.now();
    if (this.lastBlockAtMs === undefined || now - this.lastBlockAtMs > staleMs) {
      const why = this.link.problem ?? (this.lastError && now - this.lastError.atMs <= staleMs ? this.lastError.reason : undefined);
      throw new Error(`no valid VE.Direct block from ${this.o.path} for ${Math.round(staleMs / 1000)} s${why ? `: ${why}` : ": check the VE.Direct cable (TX to RX, 5 V or 3.3 V levels)"}`);
    }
    const atMs = this.fieldAtMs.get(field);
    if (atMs !== undefined && now - atMs > staleMs) {
      throw new Error(`${field} has not come in any VE.Direct block from ${this.o.path} for ${Math.round((now - atMs) / 1000)} s, though other blocks do`);
    }
    return veDirectValue(this.fields, field);
  }

  /** The instrument's own error and alarm reports, plus recent broken blocks. */
  warnings(): string[] {
    const out = this.lastBlockAtMs !== undefined ? veDirectWarnings(this.fields) : [];
    if (this.lastError && this.now() - this.lastError.atMs < 60_000) out.push(`${this.o.path}: ${this.lastError.reason} (${this.badBlocks} rejected so far)`);
    if (this.link.problem && this.link.problem !== "not opened yet") out.push(this.link.problem);
    return out;
  }
}
