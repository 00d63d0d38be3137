// Real firmware in the loop: StandardFirmata's Uno build (from the npm package avrgirl-arduino) on
// an emulated ATmega328P (Debian's simavr), its UART on a pseudo-terminal the edge agent opens as a
// serial port. The harness (uno-harness.c) is built here with gcc; the test feeds the ADC, watches
// every pin from power-on, and can hang, reset or unplug the board. A machine without simavr or gcc
// fails with how to install them, never a skip.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.ts";
import { stopChild } from "./stop-child.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, "../../test-results/hil");
const SOURCE = join(HERE, "uno-harness.c");
const HARNESS = join(OUT, "uno-harness");
export const FIRMWARE = join(OUT, "package/junk/hex/uno/StandardFirmata.cpp.hex");
const INSTALL = "apt-get install -y simavr libsimavr-dev libsimavrparts1 gcc";

/** Builds the harness and fetches the firmware once per checkout (test-results/hil/). */
export function prepareUnoEmulator(): void {
  mkdirSync(OUT, { recursive: true });
  if (!existsSync("/usr/include/simavr/sim_avr.h")) throw new Error(`the hardware-in-the-loop tests need simavr's headers and libraries: ${INSTALL}`);
  if (!existsSync(HARNESS) || statSync(HARNESS).mtimeMs < statSync(SOURCE).mtimeMs) {
    try {
      // Built beside and renamed: test files running at once must not run a half-written binary.
      execFileSync("gcc", ["-O2", "-o", `${HARNESS}.${process.pid}`, SOURCE, "-I/usr/include/simavr", "-lsimavr", "-lsimavrparts", "-lpthread"], { stdio: "pipe" });
      renameSync(`${HARNESS}.${process.pid}`, HARNESS);
    } catch (err) {
      throw new Error(`building the simavr harness failed (${INSTALL}): ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
    }
  }
  if (!existsSync(FIRMWARE)) {
    // The package's tarball only: its dependencies are not needed (one of them is not on the registry).
    const scratch = mkdtempSync(join(OUT, "pack-"));
    const tgz = execFileSync("npm", ["pack", "avrgirl-arduino@5.0.1", "--silent", "--pack-destination", scratch], { encoding: "utf8" }).trim().split("\n").at(-1)!;
    execFileSync("tar", ["xzf", join(scratch, tgz), "-C", scratch, "package/junk/hex/uno/StandardFirmata.cpp.hex"]);
    mkdirSync(dirname(FIRMWARE), { recursive: true });
    renameSync(join(scratch, "package/junk/hex/uno/StandardFirmata.cpp.hex"), FIRMWARE);
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface PinEvent {
  pin: number;
  mode: "o" | "i";
  level: "0" | "1" | "z";
  /** Emulated time since power-on. */
  us: number;
  /** Wall-clock time the harness reported it: the emulator falls behind the wall on a loaded machine. */
  wallMs: number;
}

/** A write the firmware made to a chip on the I2C bus (register -1: an opcode-only chip). */
export interface I2cWriteEvent {
  address: number;
  register: number;
  bytes: number[];
}

const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");

export class UnoEmulator {
  readonly events: PinEvent[] = [];
  readonly i2cWrites: I2cWriteEvent[] = [];
  private readonly i2cWatchers = new Set<(w: I2cWriteEvent) => void>();
  path = "";
  private readonly child: ChildProcess;
  private buffer = "";

  constructor() {
    this.child = spawn(HARNESS, [FIRMWARE], { stdio: ["pipe", "pipe", "inherit"] });
    // A harness that died (or was stopped) closes its end: what was still on its way is lost, as
    // it would be on a board without power, not an error of the test's own.
    this.child.stdin!.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (d: string) => {
      this.buffer += d;
      let nl;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const pty = /^pty (\S+)$/.exec(line);
        if (pty) this.path = pty[1];
        const pin = /^pin (\d+) ([oi]) ([01z]) (\d+)$/.exec(line);
        const w = /^i2cw (\d+) (-?\d+) ([0-9a-f]*)$/.exec(line);
        if (w) {
          const write = { address: Number(w[1]), register: Number(w[2]), bytes: (w[3].match(/../g) ?? []).map((b) => parseInt(b, 16)) };
          this.i2cWrites.push(write);
          for (const watch of this.i2cWatchers) watch(write);
        }
        if (pin) this.events.push({ pin: Number(pin[1]), mode: pin[2] as "o" | "i", level: pin[3] as "0" | "1" | "z", us: Number(pin[4]), wallMs: Date.now() });
      }
    });
  }

  static async start(): Promise<UnoEmulator> {
    prepareUnoEmulator();
    const uno = new UnoEmulator();
    await waitFor("the emulated Uno's serial port", () => uno.path !== "" || (uno.child.exitCode !== null ? Promise.reject(new Error("the harness exited")) : false), { timeoutMs: 10_000 });
    return uno;
  }

  /** Off the board heard nothing more: a chip model's timer that fires after stop() writes into nothing. */
  private stopped = false;

  private send(line: string): void {
    if (this.stopped) return;
    this.child.stdin!.write(`${line}\n`);
  }

  /** Millivolts on an analog input (AVCC is 5,000 mV: 5,000 mV reads 1023). */
  adc(channel: number, millivolts: number): void {
    this.send(`adc ${channel} ${Math.round(millivolts)}`);
  }

  /** The firmware stops: not a byte more (a hung board). */
  pause(): void {
    this.send("pause");
  }

  resume(): void {
    this.send("resume");
  }

  /** A brown-out: the firmware starts again, forgetting every pin mode and report. */
  reset(): void {
    this.send("reset");
  }

  /** A chip's power-on register contents (what a brown-out returns it to). */
  i2cRom(address: number, register: number, bytes: number[]): void {
    this.send(`i2c-rom ${address} ${register} ${hex(bytes)}`);
  }

  /** New live register contents: a measurement the chip has made. */
  i2cSet(address: number, register: number, bytes: number[]): void {
    this.send(`i2c ${address} ${register} ${hex(bytes)}`);
  }

  /** A chip without registers: every read starts at its first byte, writes are opcodes. */
  i2cPlain(address: number): void {
    this.send(`i2c-plain ${address}`);
  }

  /** Unplugged: the chip no longer acknowledges its address. */
  i2cUnplug(address: number): void {
    this.send(`i2c-off ${address}`);
  }

  i2cPlug(address: number): void {
    this.send(`i2c-on ${address}`);
  }

  /** The chip browns out: its registers go back to their power-on contents. */
  i2cReset(address: number): void {
    this.send(`i2c-reset ${address}`);
  }

  /** Called with every write the firmware makes to a chip, as a chip model reacts to them. */
  onI2cWrite(watch: (w: I2cWriteEvent) => void): () => void {
    this.i2cWatchers.add(watch);
    return () => this.i2cWatchers.delete(watch);
  }

  /** The board's state at emulated time `us` on a pin, from the events. */
  pinAt(pin: number, us: number): PinEvent | undefined {
    return this.events.filter((e) => e.pin === pin && e.us <= us).at(-1);
  }

  /** Microseconds since power-on that the pin spent in the given state, up to `untilUs`. */
  timeIn(pin: number, state: (e: PinEvent) => boolean, untilUs: number): number {
    const mine = this.events.filter((e) => e.pin === pin && e.us <= untilUs);
    let total = 0;
    mine.forEach((e, i) => {
      if (state(e)) total += (mine[i + 1]?.us ?? untilUs) - e.us;
    });
    return total;
  }

  /**
   * Microseconds since power-on, up to `untilUs`, that an output's pin spent driven to the level
   * that does the unsafe thing (active-low boards switch on with LOW, through NO or NC).
   */
  timeOutsideSafe(a: { pin: number; activeLow?: boolean; contact?: "NO" | "NC"; safeState: unknown }, untilUs: number): { us: number; safeNow: boolean } {
    const energised = a.activeLow ? "0" : "1";
    const loadOn = a.contact === "NC" ? (energised === "0" ? "1" : "0") : energised;
    const safeIsOn = a.safeState === "on";
    const unsafe = (e: PinEvent) => e.mode === "o" && (safeIsOn ? e.level !== loadOn : e.level === loadOn);
    const now = this.pinAt(a.pin, untilUs);
    return { us: this.timeIn(a.pin, unsafe, untilUs), safeNow: now !== undefined && !unsafe(now) };
  }

  /** Emulated microseconds since power-on (the last event's time, at least). */
  get nowUs(): number {
    return this.events.at(-1)?.us ?? 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await stopChild(this.child, "SIGKILL"); // the board loses power
  }
}
