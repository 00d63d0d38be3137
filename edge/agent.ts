// Composition root of one edge agent: io -> johnny-five board -> sensors -> journal -> publisher.
// Started in that order and stopped in reverse.
import five from "johnny-five";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { BoardDefinition } from "./board/schema.ts";
import { buildChannels, sampleAll, type Channel } from "./sensors/channels.ts";
import { Journal, type JournalOptions } from "./journal/journal.ts";
import { systemClock, type Clock } from "./journal/clock.ts";
import { Publisher, type PublisherOptions } from "./publish/publisher.ts";
import { openSimulatedBoardIo } from "./io/simulated-board-io.ts";
import { VillageModel } from "./simulation/village-model.ts";
import { Outputs } from "./control/outputs.ts";
import { SafetyLoops } from "./control/safety-loops.ts";
import { CommandHandler } from "./control/command-handler.ts";

type IoPlugin = EventEmitter & { isReady: boolean; close?: () => void };

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
  journal?: Partial<Pick<JournalOptions, "commitEveryMs" | "commitEveryReadings" | "maxBytes">>;
  publisher?: Partial<Pick<PublisherOptions, "replayRatePerSec" | "replayBatch" | "ackTimeoutMs" | "maxInFlight" | "reconnectPeriodMs">>;
}

export class EdgeAgent {
  readonly journal: Journal;
  readonly publisher: Publisher;
  private readonly o: AgentOptions;
  private io: IoPlugin | undefined;
  private channels: Channel[] = [];
  outputs: Outputs | undefined;
  safety: SafetyLoops | undefined;
  commands: CommandHandler | undefined;
  private controlTimer: NodeJS.Timeout | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(options: AgentOptions) {
    this.o = options;
    const clock = options.clock ?? systemClock;
    this.journal = new Journal({ path: join(options.dataDir, `journal-${options.board.id}.db`), clock, ...options.journal });
    this.publisher = new Publisher({
      device: options.board.id,
      gatewayUrl: options.gatewayUrl,
      journal: this.journal,
      log: options.log.child({ module: "publisher" }),
      username: options.username,
      password: options.password,
      warnings: () => [...(this.outputs?.warnings.values() ?? [])],
      ...options.publisher,
    });
  }

  get id(): string {
    return this.o.board.id;
  }

  async start(): Promise<void> {
    const { board, log } = this.o;
    mkdirSync(this.o.dataDir, { recursive: true });
    this.journal.open();
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
    outputs.watchFeedback(io as unknown as Parameters<Outputs["watchFeedback"]>[0]);
    this.safety = new SafetyLoops(board.safety, outputs);
    this.commands = new CommandHandler({
      device: board.id,
      outputs,
      safety: this.safety,
      seen: kv,
      log: log.child({ module: "commands" }),
      now: () => clock.now(),
      reply: (r) => this.publisher.reply(r),
    });
    this.publisher.onCommand = (payload) => this.commands?.handle(payload);
    this.channels = buildChannels(j5, board, kv);
    this.controlTimer = setInterval(() => outputs.tick(), 250);
    this.publisher.start();
    const intervalMs = this.o.sampleIntervalMs ?? board.sampleIntervalMs;
    this.sampler = setInterval(() => this.sampleNow(), intervalMs);
    this.statusTimer = setInterval(() => this.publisher.publishStatus(true), this.o.statusIntervalMs ?? 30_000);
    log.info({ board: board.id, sensors: board.sensors.length, intervalMs }, "edge agent started");
  }

  /** Takes one sample of every sensor into the journal. */
  sampleNow(): void {
    const clock = this.o.clock ?? systemClock;
    const samples = sampleAll(this.channels, clock.now());
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
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.controlTimer) clearInterval(this.controlTimer);
    this.outputs?.applySafeStates("shutdown");
    await this.publisher.stop();
    this.journal.close();
    this.io?.close?.();
    const transport = (this.io as { transport?: { close?: (cb: () => void) => void; isOpen?: boolean } } | undefined)?.transport;
    if (transport?.isOpen && transport.close) await new Promise<void>((resolve) => transport.close!(() => resolve()));
    this.o.log.info({ board: this.o.board.id }, "edge agent stopped");
  }

  private async openIo(): Promise<IoPlugin> {
    const { board } = this.o;
    if (board.io.kind === "firmata") {
      // Loaded only for real boards: serialport and its native binding cost about 11 MB of RSS.
      const { openFirmataIo } = await import("./io/firmata-io.ts");
      return openFirmataIo({ path: board.io.path, baudRate: board.io.baudRate });
    }
    const simNowMs = this.o.simNowMs ?? (() => Date.now());
    const model = this.o.model ?? new VillageModel({ startMs: simNowMs() });
    return openSimulatedBoardIo({ board, model, simNowMs });
  }
}

function readyBoard(id: string, io: IoPlugin): Promise<five.Board> {
  return new Promise((resolve, reject) => {
    // The REPL, debug banner and SIGINT handler are for interactive sketches, not a service.
    const board = new five.Board({ id, io, repl: false, debug: false, sigint: false, timeout: 30_000 } as five.BoardOption);
    board.on("ready", () => resolve(board));
    board.on("error", (err: Error) => reject(err));
  });
}
