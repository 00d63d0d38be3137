// Victron VE.Direct text protocol (VE.Direct Protocol whitepaper, v3.32): 19200 8N1, a block of
// "\r\n<label>\t<value>" fields ended by "\r\nChecksum\t<byte>", where every byte of the block,
// the checksum byte included, sums to 0 modulo 256. HEX-protocol messages (":..\n") may be
// interleaved and are not part of any block. The parser follows the whitepaper's state machine.
import { EventEmitter } from "node:events";
import { instrumentDriver } from "../instruments/instrument-channel.ts";

export type VeDirectFields = Record<string, string>;

const enum State { Idle, RecordBegin, RecordName, RecordValue, Checksum, Hex }

const MAX_NAME = 9;
const MAX_VALUE = 33;
const MAX_FIELDS = 40;

export class VeDirectParser extends EventEmitter<{ frame: [VeDirectFields]; error: [string] }> {
  private state = State.Idle;
  private beforeHex = State.Idle;
  private sum = 0;
  private name = "";
  private value = "";
  private fields: VeDirectFields = {};
  private count = 0;
  /** The first block after opening a port starts mid-way: its checksum proves nothing. */
  private synced = false;

  push(chunk: ArrayLike<number>): void {
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]);
  }

  private byte(b: number): void {
    if (b === 0x3a /* : */ && this.state !== State.Checksum && this.state !== State.Hex) {
      this.beforeHex = this.state;
      this.state = State.Hex;
    }
    if (this.state !== State.Hex) this.sum = (this.sum + b) & 0xff;
    switch (this.state) {
      case State.Idle:
        if (b === 0x0a) this.state = State.RecordBegin;
        break;
      case State.RecordBegin:
        this.name = String.fromCharCode(b);
        this.state = State.RecordName;
        break;
      case State.RecordName:
        if (b === 0x09) this.state = this.name === "Checksum" ? State.Checksum : State.RecordValue;
        else if (this.name.length >= MAX_NAME || b < 0x20) this.torn(`field name too long or broken ("${printable(this.name)}")`);
        else this.name += String.fromCharCode(b);
        break;
      case State.RecordValue:
        if (b === 0x0a) {
          if (++this.count > MAX_FIELDS) return this.torn("block has too many fields");
          this.fields[this.name] = this.value;
          this.value = "";
          this.state = State.RecordBegin;
        } else if (b === 0x0d) {
          // the "\r" of "\r\n": counted in the checksum, not part of the value
        } else if (this.value.length >= MAX_VALUE) this.torn(`value of ${this.name} too long`);
        else this.value += String.fromCharCode(b);
        break;
      case State.Checksum: {
        const valid = this.sum === 0;
        const fields = this.fields;
        const wasSynced = this.synced;
        this.reset();
        this.synced = true;
        if (valid) this.emit("frame", fields);
        else if (wasSynced) this.emit("error", "VE.Direct block checksum mismatch: a torn or noisy serial line, check the cable and its ground");
        break;
      }
      case State.Hex:
        if (b === 0x0a) this.state = this.beforeHex;
        break;
    }
  }

  private torn(reason: string): void {
    const wasSynced = this.synced;
    this.reset();
    if (wasSynced) this.emit("error", `VE.Direct block broken: ${reason}`);
  }

  private reset(): void {
    this.state = State.Idle;
    this.sum = 0;
    this.name = "";
    this.value = "";
    this.fields = {};
    this.count = 0;
  }
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?");
}

/** Fields a board file may publish, with the conversion into protocol units. */
export const veDirectFields = {
  V: { unit: "V", convert: (v: string) => Number(v) / 1000, label: "battery voltage (mV)" },
  VPV: { unit: "V", convert: (v: string) => Number(v) / 1000, label: "panel voltage (mV)" },
  I: { unit: "A", convert: (v: string) => Number(v) / 1000, label: "battery current (mA)" },
  IL: { unit: "A", convert: (v: string) => Number(v) / 1000, label: "load current (mA)" },
  P: { unit: "W", convert: (v: string) => Number(v), label: "instantaneous power (W)" },
  PPV: { unit: "W", convert: (v: string) => Number(v), label: "panel power (W)" },
  SOC: { unit: "%", convert: (v: string) => Number(v) / 10, label: "state of charge (per mille)" },
  H19: { unit: "Wh", convert: (v: string) => Number(v) * 10, label: "yield total (0.01 kWh)" },
  H20: { unit: "Wh", convert: (v: string) => Number(v) * 10, label: "yield today (0.01 kWh)" },
} as const;

export type VeDirectField = keyof typeof veDirectFields;

/** Charger error codes (whitepaper, "ERR"), in words a maintenance circle can act on. */
const ERRORS: Record<string, string> = {
  "2": "battery voltage too high",
  "17": "charger temperature too high",
  "18": "charger over current",
  "19": "charger current reversed",
  "20": "bulk time limit exceeded",
  "21": "current sensor issue",
  "26": "terminals overheated",
  "28": "power stage issue",
  "33": "solar input voltage too high",
  "34": "solar input current too high",
  "38": "input shutdown: battery voltage too high",
  "39": "input shutdown: current flows while off",
  "65": "lost communication with a device",
  "67": "BMS connection lost",
  "116": "factory calibration data lost",
  "117": "invalid or incompatible firmware",
  "119": "user settings invalid",
};

/** Alarm reason bits ("AR"), battery monitors. */
const ALARMS: Array<[bit: number, text: string]> = [
  [1, "low voltage"], [2, "high voltage"], [4, "low state of charge"], [8, "low starter voltage"],
  [16, "high starter voltage"], [32, "low temperature"], [64, "high temperature"], [128, "mid voltage"],
  [256, "overload"], [512, "DC ripple"], [1024, "low V AC out"], [2048, "high V AC out"],
];

/** What the instrument itself reports as wrong: error code and alarm reason, in words. */
export function veDirectWarnings(f: VeDirectFields): string[] {
  const warnings: string[] = [];
  if (f.ERR !== undefined && f.ERR !== "0") warnings.push(`charger error ${f.ERR}: ${ERRORS[f.ERR] ?? "see the Victron manual"}`);
  const ar = Number(f.AR ?? 0);
  if (f.Alarm === "ON" || ar) {
    const reasons = ALARMS.filter(([bit]) => ar & bit).map(([, text]) => text);
    warnings.push(`battery monitor alarm: ${reasons.join(", ") || "on"}`);
  }
  return warnings;
}

export function veDirectValue(f: VeDirectFields, field: VeDirectField): number {
  const raw = f[field];
  if (raw === undefined) throw new Error(`the instrument does not send ${field} (${veDirectFields[field].label}): wrong field for this device`);
  if (raw === "---") throw new Error(`${field} is not available right now (the instrument sends ---)`);
  const value = veDirectFields[field].convert(raw);
  if (!Number.isFinite(value)) throw new Error(`${field} is not a number: "${raw}"`);
  return value;
}

/** Builds a block as a device sends it, checksum included (for simulators and tests). */
export function veDirectBlock(fields: Array<[string, string]>): Buffer {
  const body = Buffer.from(fields.map(([k, v]) => `\r\n${k}\t${v}`).join("") + "\r\nChecksum\t", "latin1");
  let sum = 0;
  for (const b of body) sum = (sum + b) & 0xff;
  return Buffer.concat([body, Buffer.from([(256 - sum) & 0xff])]);
}

export const vedirectDriver = instrumentDriver("vedirect", {
  async open(port, _sensors, o) {
    const { VeDirectPort } = await import("../instruments/vedirect-port.ts");
    return new VeDirectPort({ path: port, log: o.log, reopenMs: o.reopenMs });
  },
  read: (port, sensor) => port.read(sensor.field),
});
