// Composition root of one edge agent: io -> johnny-five board -> sensors -> journal -> publisher.
// Started in that order and stopped in reverse.
import five from "johnny-five";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { BoardDefinition } from "./board/schema.ts";
import { buildChannels, sampleAll, type Channel } from "./sensors/channels.ts";
import { Journal, type JournalOptions } from "./journal/journal.ts";
import { systemClock, type Clock } from "./journal/clock.ts";
import { Publisher, type PublisherOptions } from "./publish/publisher.ts";
import { openBoardIo, type IoPlugin } from "./io/open-board-io.ts";
import type { VillageModel } from "./simulation/village-model.ts";
import { Outputs } from "./control/outputs.ts";
import { SafetyLoops } from "./control/safety-loops.ts";
import { CommandHandler } from "./control/command-handler.ts";
import { gatewayPublicKey } from "../protocol/command-signature.ts";
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
  statusIntervalMs?: number;
  username?: string;
  password?: string;
  /** The village gateway's public key (PEM), from the credentials file: only commands it signed are obeyed. */
  gatewayKey?: string;
  journal?: Partial<Pick<JournalOptions, "commitEveryMs" | "commitEveryReadings" | "maxBytes">>;
  publisher?: Partial<Pick<PublisherOptions, "replayRatePerSec" | "replayBatch" | "ackTimeoutMs" | "maxInFlight" | "reconnectPeriodMs" | "ca">>;
  /** Serial instruments: how soon a lost port is reopened, how often a meter is polled. */
  instruments?: { reopenMs?: number; pollMs?: number };
}

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
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly lastInvalid = new Map<string, string>();

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
      warnings: () => [
        ...(this.outputs?.warnings.values() ?? []),
        ...(this.commands?.warning() ? [this.commands.warning()!] : []),
        ...this.instruments.warnings(),
        ...this.ioWarnings(),
        ...this.sensorWarnings(),
      ],
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
    await this.instruments.start();
    this.io = this.o.io ?? (await this.openIo());
    const io = this.io;
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
    const j5 = await readyBoard(board.id, io);
    this.outputs = outputs;
    // A change of a pump or valve shows on the dashboards at once, not with the next status.
    let statusSoon: NodeJS.Timeout | undefined;
    outputs.onChange = () => {
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
    this.controlTimer = setInterval(() => outputs.tick(), 250);
    this.publisher.start();
    this.sampler = setInterval(() => this.sampleNow(), intervalMs);
    this.statusTimer = setInterval(() => this.publisher.publishStatus(true), this.o.statusIntervalMs ?? 30_000);
    log.info({ sensors: board.sensors.length, intervalMs }, "edge agent started");
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
    const samples = sampleAll(this.channels, clock.now());
    for (const s of samples) {
      if (s.quality === "invalid") this.lastInvalid.set(s.sensor, s.warning ?? "invalid");
      else this.lastInvalid.delete(s.sensor);
    }
    for (const sample of samples) this.journal.append(sample);
    this.safety?.evaluate(new Map(samples.map((s) => [s.sensor, s.value])));
  }

  /** Stops taking readings; what is journalled keeps draining to the gateway. */
  stopSampling(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    this.journal.commit();
  }

  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    for (const channel of this.channels) channel.stop?.();
    await this.instruments.stop();
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.controlTimer) clearInterval(this.controlTimer);
    this.outputs?.applySafeStates("shutdown");
    await this.publisher.stop();
    this.journal.close();
    this.io?.close?.();
    const transport = (this.io as { transport?: { close?: (cb: () => void) => void; isOpen?: boolean } } | undefined)?.transport;
    if (transport?.isOpen && transport.close) await new Promise<void>((resolve) => transport.close!(() => resolve()));
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
    board.on("ready", () => resolve(board));
    board.on("error", (err: Error) => reject(err));
  });
}
