// Composition root of one edge agent: io -> johnny-five board -> sensors -> journal -> publisher.
// Started in that order and stopped in reverse.
import five from "johnny-five";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { BoardDefinition } from "../protocol/board/schema.ts";
import { buildChannels, sampleAll, type Channel } from "./sensors/channels.ts";
import { Journal, type JournalOptions } from "./journal/journal.ts";
import { systemClock, type Clock } from "./journal/clock.ts";
import { Publisher, type PublisherOptions } from "./publish/publisher.ts";
import { openBoardIo, type IoPlugin } from "./io/open-board-io.ts";
import { PIN_REPORT_MS } from "./io/pin-report-interval.ts";
import { analogOnDemand, ON_DEMAND_LEAD_MS } from "./io/analog-on-demand.ts";
import type { VillageModel } from "./io/simulated/village-model.ts";
import { Outputs } from "./control/outputs.ts";
import { SafetyLoops } from "./control/safety-loops.ts";
import { CommandHandler } from "./control/command-handler.ts";
import { gatewayPublicKey } from "../protocol/command-signature.ts";
import { LinkWatch, type LinkState } from "./io/link-watch.ts";
import { invalidSample, type Sample } from "./sensors/sample.ts";
import { Instruments } from "./instruments/instruments.ts";

export interface AgentOptions {
  board: BoardDefinition;
  gatewayUrl: string;
  dataDir: string;
  log: Logger;
  clock?: Clock;
  /** Overrides the board file's io (tests pass a plugin of their own). */
  io?: IoPlugin;
  /** Shared model for simulated boards, so all boards of a village see one world. */
  model?: VillageModel;
  /** Simulated time for the model; defaults to the wall clock. */
  simNowMs?: () => number;
  sampleIntervalMs?: number;
  /** An early first round once the board's sensors have data (default); off for tests that take their own rounds. */
  firstRound?: boolean;
  statusIntervalMs?: number;
  username?: string;
  password?: string;
  /** The village gateway's public key (PEM), from the credentials file: only commands it signed are obeyed. */
  gatewayKey?: string;
  journal?: Partial<Pick<JournalOptions, "commitEveryMs" | "commitEveryReadings" | "maxBytes" | "maxHeldReadings">>;
  publisher?: Partial<Pick<PublisherOptions, "replayRatePerSec" | "replayBatch" | "ackTimeoutMs" | "maxInFlight" | "reconnectPeriodMs" | "ca">>;
  /** Serial instruments: how soon a lost port is reopened, how often a meter is polled. */
  instruments?: { reopenMs?: number; pollMs?: number };
}

/** Drivers whose readings come from the board's own pin reports (or from those of other sensors). */
const PIN_REPORTED: ReadonlySet<string> = new Set(["analog-linear", "digital-input", "soil-moisture", "coulomb-soc"]);

export class EdgeAgent {
  readonly journal: Journal;
  readonly publisher: Publisher;
  readonly instruments: Instruments;
  private readonly o: AgentOptions;
  /** The caller's logger bound to this board, for every line the agent and its parts write. */
  private readonly log: Logger;
  private io: IoPlugin | undefined;
  private channels: Channel[] = [];
  outputs: Outputs | undefined;
  safety: SafetyLoops | undefined;
  commands: CommandHandler | undefined;
  private controlTimer: NodeJS.Timeout | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private firstRound: NodeJS.Timeout | undefined;
  /** Asks a slowly sampled board (analog-on-demand.ts) for its analog pins' values now; undefined for others. */
  private askAnalogPins: (() => void) | undefined;
  private askedRound: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly lastInvalid = new Map<string, string>();
  private link: LinkWatch | undefined;
  /** Set while the board's link is down and being reopened. */
  private linkProblem: { state: Exclude<LinkState, "up">; sinceMs: number } | undefined;
  private reopening = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: AgentOptions) {
    this.o = options;
    this.log = options.log.child({ board: options.board.id });
    const clock = options.clock ?? systemClock;
    this.journal = new Journal({ path: join(options.dataDir, `journal-${options.board.id}.db`), clock, ...options.journal });
    this.instruments = new Instruments(options.board, this.log, options.instruments);
    this.publisher = new Publisher({
      device: options.board.id,
      gatewayUrl: options.gatewayUrl,
      journal: this.journal,
      log: this.log.child({ module: "publisher" }),
      username: options.username,
      password: options.password,
      warnings: () => this.warnings(),
      outputs: () => (this.o.board.actuators.length ? this.outputs?.snapshot() : undefined),
      ...options.publisher,
    });
  }

  get id(): string {
    return this.o.board.id;
  }

  async start(): Promise<void> {
    const { board } = this.o;
    const log = this.log;
    mkdirSync(this.o.dataDir, { recursive: true });
    this.journal.open();
    this.journal.on("flushFailed", (err) => log.error({ err: err.message }, "journal flush failed; readings wait in the journal until a flush succeeds"));
    this.journal.on("writeFailed", (err, held) => log.error({ err, held }, "journal cannot write (disk full?): readings are held in memory and sampling and safety loops go on"));
    this.journal.on("writeRecovered", (unkept) => log.warn({ unkept }, "journal writes again; readings held in memory are journalled"));
    this.journal.on("quarantined", (batch) => log.error(batch, "journal batch unreadable: moved to table quarantine, its readings counted as lost; sampling goes on"));
    await this.instruments.start();
    await this.attachHardware(this.o.io ?? (await this.openIo()));
    const intervalMs = this.o.sampleIntervalMs ?? board.sampleIntervalMs;
    this.controlSoon();
    this.publisher.start();
    // No round before every pin has reported once (a quarter second past a report interval at
    // most): "no data from the board yet" is no reading of a board that is merely starting.
    const reportMs = Math.min(PIN_REPORT_MS, intervalMs);
    const pinsDeadline = performance.now() + reportMs + 250;
    let pinsIn = false;
    const pinsReported = () => (pinsIn ||= performance.now() >= pinsDeadline || this.channels.every((c) => c.reported?.() ?? true));
    // A slowly sampled Firmata board's analog pins are asked for just before each round (analog-on-demand.ts).
    this.sampler = setInterval(() => {
      // While the link is being reopened there is no board to ask: the round says why instead.
      if (!this.askAnalogPins || this.reopening) return void (pinsReported() && this.sampleNow());
      try {
        this.askAnalogPins();
      } catch {
        // a port that fails to write is a closed one: the round's link check says so
      }
      clearTimeout(this.askedRound);
      this.askedRound = setTimeout(() => pinsReported() && this.sampleNow(), ON_DEMAND_LEAD_MS);
    }, intervalMs);
    // A board that just came up (or a Pi back from a power cut) reports once its sensors have had
    // their first data, not a whole interval later: a board read by its pins alone as soon as every
    // pin has reported (looked at every 50 ms); a bus chip is set up on its first poll and sampled
    // on the next (pollMs, at most 2 s), and counted pulses need a window: a board with either
    // waits a poll longer.
    const pinsOnly = board.sensors.every((s) => PIN_REPORTED.has(s.driver));
    const firstMs = pinsOnly ? reportMs + 250 : Math.min(intervalMs, 2_000) + 500;
    if (this.o.firstRound !== false && firstMs < intervalMs) {
      const first = () => {
        if (!pinsOnly || pinsReported()) return this.sampleNow();
        this.firstRound = setTimeout(first, 50);
      };
      this.firstRound = setTimeout(first, pinsOnly ? 50 : firstMs);
    }
    this.statusTimer = setInterval(() => this.publisher.publishStatus(true), this.o.statusIntervalMs ?? 30_000);
    log.info({ sensors: board.sensors.length, intervalMs }, "edge agent started");
  }

  /**
   * Leases, on-times and valve travel are checked every 250 ms while any is running. With every
   * output at rest there is nothing to check: the timer stops until an output changes or takes a
   * lease (outputs.onChange). Each wake-up of an idle agent costs a Pi's core about half a
   * millisecond; once a second was a fifth of its CPU (docs/benchmarks.md, the quarter-core row).
   */
  private controlSoon(): void {
    clearTimeout(this.controlTimer);
    const control = () => {
      this.controlTimer = undefined;
      if (this.stopped) return;
      this.outputs?.tick();
      if (this.outputs?.watching) this.controlTimer = setTimeout(control, 250);
    };
    this.controlTimer = setTimeout(control, 250);
  }

  /**
   * The board's side: outputs in their safe state the moment it is ready, safety loops, commands,
   * and a channel per sensor. Run at start and again each time the link to the board is reopened.
   */
  private async attachHardware(io: IoPlugin): Promise<void> {
    const { board } = this.o;
    const log = this.log;
    this.io = io;
    const clock = this.o.clock ?? systemClock;
    const kv = { get: (key: string) => this.journal.getMeta(key), set: (key: string, value: string) => this.journal.setMeta(key, value) };
    // Outputs go to their safe state the moment the board is ready, and again on every reconnect.
    // IO plugins are plain JavaScript objects following the spec; OutputIo names what is used.
    const outputs = new Outputs(io as unknown as ConstructorParameters<typeof Outputs>[0], board.actuators, () => clock.now());
    io.once("ready", () => {
      outputs.applySafeStates("boot");
      io.on("ready", () => outputs.applySafeStates("reconnect"));
    });
    if (io.isReady) outputs.applySafeStates("boot");
    // A port that cannot be opened (a pulled cable) fails this attempt at once; later errors of a
    // link (writes to a port that went away) are logged, never a crash: the link watch acts on them.
    const failed = new Promise<never>((_, reject) => io.once("error", reject));
    io.on("error", (err: Error) => log.warn({ err: err.message }, "board link error"));
    const j5 = await Promise.race([readyBoard(board.id, io), failed]);
    // Pins report once a second (firmata-io.ts, open-board-io.ts); sampling faster than that, as
    // often as it reads them: a round never reads a value older than its own interval.
    const sampleMs = this.o.sampleIntervalMs ?? board.sampleIntervalMs;
    if (sampleMs < PIN_REPORT_MS) (io as { setSamplingInterval?(ms: number): unknown }).setSamplingInterval?.(sampleMs);
    this.askAnalogPins = analogOnDemand(io, board, sampleMs);
    // The outputs' history goes on across a reopened link (it shows why they went safe).
    if (this.outputs) outputs.changes.unshift(...this.outputs.changes);
    this.outputs = outputs;
    // A change of a pump or valve shows on the dashboards at once, not with the next status.
    let statusSoon: NodeJS.Timeout | undefined;
    outputs.onChange = () => {
      if (!this.controlTimer && !this.stopped) this.controlSoon();
      statusSoon ??= setTimeout(() => {
        statusSoon = undefined;
        this.publisher.publishStatus(true);
      }, 100);
    };
    outputs.watchFeedback(io as unknown as Parameters<Outputs["watchFeedback"]>[0]);
    this.safety = new SafetyLoops(board.safety, outputs);
    this.commands = new CommandHandler({
      device: board.id,
      gatewayKey: this.o.gatewayKey ? gatewayPublicKey(this.o.gatewayKey) : undefined,
      outputs,
      safety: this.safety,
      seen: kv,
      log: log.child({ module: "commands" }),
      now: () => clock.now(),
      reply: (r) => this.publisher.reply(r),
    });
    this.publisher.onCommand = (payload) => this.commands?.handle(payload);
    const intervalMs = this.o.sampleIntervalMs ?? board.sampleIntervalMs;
    this.channels = buildChannels(j5, board, {
      io,
      instruments: this.instruments,
      kv,
      now: () => clock.now(),
      pollMs: Math.min(intervalMs, 2_000),
    });
    // Only a real board's link can fail; a simulated one cannot.
    const transport = (io as { transport?: unknown }).transport;
    this.link = board.io.kind === "firmata" && transport ? new LinkWatch(io as ConstructorParameters<typeof LinkWatch>[0], () => clock.now()) : undefined;
  }

  /**
   * The link to the board failed: what it feeds is invalid from this round on, the outputs are
   * sent to their safe state (as far as a dead link lets them), and the link is opened again with
   * a doubling pause (1 s to a minute) until the board answers.
   */
  private linkDown(state: Exclude<LinkState, "up">): void {
    if (this.reopening) return;
    this.reopening = true;
    this.linkProblem = { state, sinceMs: (this.o.clock ?? systemClock).now() };
    this.log.warn({ state, path: this.o.board.io.kind === "firmata" ? this.o.board.io.path : undefined }, "board link lost: its readings are invalid, outputs to their safe state, reopening");
    this.outputs?.applySafeStates("link-lost");
    void this.reopen(0);
  }

  private async reopen(attempt: number): Promise<void> {
    if (this.stopped) return;
    this.link?.detach();
    this.link = undefined;
    // Serial instruments on the Pi's own ports have links of their own: they go on being read
    // while the board is away (attachHardware builds them anew with the rest).
    for (const channel of this.channels) if (!("port" in channel.sensor)) channel.stop?.();
    this.channels = this.channels.filter((c) => "port" in c.sensor);
    await this.closeIo();
    try {
      const io = await this.openIo();
      await withTimeout(this.attachHardware(io), 15_000, "the board did not answer within 15 s");
      if (this.stopped) return;
      this.log.info({ attempt }, "board link back: outputs set to their safe state again, readings resume");
      this.reopening = false;
      this.linkProblem = undefined;
    } catch (err) {
      const delayMs = Math.min(60_000, 1_000 * 2 ** attempt);
      this.log.warn({ attempt, delayMs, err: (err as Error).message }, "board link not reopened; trying again");
      this.reopenTimer = setTimeout(() => void this.reopen(attempt + 1), delayMs);
    }
  }

  private async closeIo(): Promise<void> {
    const io = this.io;
    this.io = undefined;
    try {
      io?.close?.();
      const transport = (io as { transport?: { close?: (cb: () => void) => void; isOpen?: boolean } } | undefined)?.transport;
      if (transport?.isOpen && transport.close) await new Promise<void>((resolve) => transport.close!(() => resolve()));
    } catch {
      // a port that is gone cannot be closed any further
    }
  }

  /** What a person should know about this device, as its status carries it. */
  warnings(): string[] {
    return [
      ...(this.outputs?.warnings.values() ?? []),
      ...(this.commands?.warning() ? [this.commands.warning()!] : []),
      ...this.journalWarnings(),
      ...this.instruments.warnings(),
      ...this.ioWarnings(),
      ...this.sensorWarnings(),
    ];
  }

  /** Readings the journal could not keep, said where a person looks (the device's status). */
  private journalWarnings(): string[] {
    const { quarantined } = this.journal;
    const { writeError, unkept } = this.journal.trouble;
    const file = `journal-${this.o.board.id}.db`;
    return [
      ...(writeError ? [`${file} cannot be written (${writeError}): readings wait in memory; free space on the SD card`] : []),
      ...(unkept ? [`${unkept} reading(s) taken while ${file} could not be written were not kept`] : []),
      ...(quarantined ? [`${quarantined} reading(s) lost to unreadable journal batches, kept in table quarantine of ${file}: check the SD card`] : []),
    ];
  }

  /** A bus-level complaint of the IO plugin (the Pi's I2C bus keeps its last error). */
  private ioWarnings(): string[] {
    const error = (this.io as { lastError?: unknown } | undefined)?.lastError;
    return typeof error === "string" ? [error] : [];
  }

  /** The latest invalid reading of each sensor, as a warning a person can act on. */
  private sensorWarnings(): string[] {
    return [...this.lastInvalid].map(([sensor, warning]) => `${sensor}: ${warning}`);
  }

  /** Takes one sample of every sensor into the journal. */
  sampleNow(): void {
    const clock = this.o.clock ?? systemClock;
    const link = this.link?.check() ?? "up";
    if (link !== "up") this.linkDown(link);
    let samples = sampleAll(this.channels, clock.now());
    if (this.linkProblem) samples = this.withLinkDown(samples, clock.now());
    for (const s of samples) {
      if (s.quality === "invalid") this.lastInvalid.set(s.sensor, s.warning ?? "invalid");
      else this.lastInvalid.delete(s.sensor);
    }
    for (const sample of samples) this.journal.append(sample);
    this.safety?.evaluate(new Map(samples.map((s) => [s.sensor, s.value])));
  }

  /**
   * While the board's link is down, every sensor it feeds is published invalid (serial
   * instruments on the Pi's own ports are not: they have links of their own).
   */
  private withLinkDown(samples: Sample[], nowMs: number): Sample[] {
    const problem = this.linkProblem!;
    const where = this.o.board.io.kind === "firmata" ? ` on ${this.o.board.io.path}` : "";
    const seconds = Math.round((nowMs - problem.sinceMs) / 1000);
    const why = problem.state === "restarted" ? "the board restarted and is being set up again" : `no answer from the board${where} for ${seconds} s (${problem.state}): check its USB cable and power`;
    const fedByLink = new Set(this.o.board.sensors.filter((s) => !("port" in s)).map((s) => s.id));
    const seen = new Set(samples.map((s) => s.sensor));
    const missing = this.o.board.sensors.filter((s) => fedByLink.has(s.id) && !seen.has(s.id)).map((s) => invalidSample(s.id, s.unit, why));
    return [...samples.map((s) => (fedByLink.has(s.sensor) ? invalidSample(s.sensor, s.unit, why) : s)), ...missing];
  }

  /** Stops taking readings; what is journalled keeps draining to the gateway. */
  stopSampling(): void {
    clearTimeout(this.firstRound);
    clearTimeout(this.askedRound);
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    this.journal.commit();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.link?.detach();
    clearTimeout(this.firstRound);
    clearTimeout(this.askedRound);
    if (this.sampler) clearInterval(this.sampler);
    for (const channel of this.channels) channel.stop?.();
    await this.instruments.stop();
    if (this.statusTimer) clearInterval(this.statusTimer);
    clearTimeout(this.controlTimer);
    this.outputs?.applySafeStates("shutdown");
    await this.publisher.stop();
    this.journal.close();
    await this.closeIo();
    this.log.info("edge agent stopped");
  }

  private openIo(): Promise<IoPlugin> {
    return openBoardIo(this.o.board, { model: this.o.model, simNowMs: this.o.simNowMs });
  }
}

export function readyBoard(id: string, io: IoPlugin): Promise<five.Board> {
  return new Promise((resolve, reject) => {
    // The REPL, debug banner and SIGINT handler are for interactive sketches, not a service.
    const board = new five.Board({ id, io, repl: false, debug: false, sigint: false, timeout: 30_000 } as five.BoardOption);
    // johnny-five waits for "connect" before "ready". A port that opened before this Board existed
    // (the agent opened its serial instruments first) said "connect" already: without it again the
    // board would never be ready, however well the firmware answers.
    const transport = (io as { transport?: { isOpen?: boolean } }).transport;
    if (!io.isReady && transport?.isOpen) process.nextTick(() => io.emit("connect"));
    board.on("ready", () => resolve(board));
    board.on("error", (err: Error) => reject(err));
  });
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
