// Composition root of a village gateway: store -> broker -> ingest -> HTTP, stopped in reverse.
import type { Logger } from "pino";
import type { LoadedBoard } from "../edge/board/check.ts";
import type { GatewayConfig } from "./config/schema.ts";
import { Broker } from "./broker/broker.ts";
import { Bus } from "./bus.ts";
import { Ingest } from "./ingest/ingest.ts";
import { DeviceRegistry } from "./ingest/device-registry.ts";
import { EmbeddedStore } from "./store/embedded-store.ts";
import { InfluxStore } from "./store/influx-store.ts";
import type { Store } from "./store/store.ts";
import { HttpServer } from "./api/http-server.ts";
import { reservesRoutes } from "./api/reserves-routes.ts";
import { Reserves } from "./reserves/reserves.ts";
import { TriggerState } from "./triggers/trigger-state.ts";
import { TriggersService } from "./triggers/triggers-service.ts";
import { FederationLink } from "./federation/link.ts";
import { buildSummary } from "./federation/summary.ts";
import { checkReserveSensors } from "./config/check.ts";
import { invalidFiles } from "../protocol/errors.ts";
import { CommandService } from "./control/command-service.ts";

export interface GatewayOptions {
  config: GatewayConfig;
  boards: readonly LoadedBoard[];
  log: Logger;
  /** Tests inject a store; otherwise it follows the configuration. */
  store?: Store;
  /** Tests and drills inject a clock for reserves and triggers. */
  now?: () => number;
  /** Name of the configuration file, for error messages. */
  configSource?: string;
}

export class Gateway {
  readonly config: GatewayConfig;
  readonly bus: Bus;
  readonly registry: DeviceRegistry;
  readonly store: Store;
  readonly broker: Broker;
  readonly ingest: Ingest;
  readonly http: HttpServer;
  readonly reserves: Reserves;
  readonly triggerState: TriggerState;
  readonly triggers: TriggersService;
  readonly link: FederationLink | undefined;
  readonly commands: CommandService;
  private readonly log: Logger;
  private readonly startedAt = Date.now();

  constructor(options: GatewayOptions) {
    const { config, log } = options;
    this.config = config;
    this.log = log;
    this.bus = new Bus(log.child({ module: "bus" }));
    this.registry = new DeviceRegistry(options.boards);
    this.store =
      options.store ??
      (config.influx
        ? new InfluxStore({ url: config.influx.url, database: config.influx.database })
        : new EmbeddedStore({ dataDir: config.dataDir, ...config.store }));
    this.broker = new Broker({ host: config.mqtt.host, port: config.mqtt.port, log: log.child({ module: "broker" }) });
    this.ingest = new Ingest({
      broker: this.broker,
      store: this.store,
      registry: this.registry,
      bus: this.bus,
      log: log.child({ module: "ingest" }),
      ...config.ingest,
    });
    const problems = checkReserveSensors(config, this.registry);
    if (problems.length) {
      const where = options.configSource ?? "configuration";
      throw invalidFiles("CS_ERR_CONFIG_INVALID", problems.map((p) => `${where}: ${p}`));
    }
    const now = options.now ?? Date.now;
    this.reserves = new Reserves({ config, bus: this.bus, store: this.store, registry: this.registry, now });
    this.triggerState = new TriggerState(config.dataDir);
    this.commands = new CommandService({
      broker: this.broker,
      registry: this.registry,
      state: this.triggerState,
      log: log.child({ module: "commands" }),
      now,
    });
    this.triggers = new TriggersService({
      village: config.village.id,
      rulesFile: config.triggersFile,
      bus: this.bus,
      reserves: this.reserves,
      state: this.triggerState,
      log: log.child({ module: "triggers" }),
      now,
      commands: this.commands,
      knownOutputs: new Set(this.registry.outputs()),
    });
    this.triggers.load(); // a bad rule file stops start-up before anything listens
    const summary = () => buildSummary(config.village.id, config, this.reserves.figures(), now());
    this.link = config.federation.hubUrl
      ? new FederationLink({
          village: config.village.id,
          hubUrl: config.federation.hubUrl,
          username: config.federation.identity ?? `village-${config.village.id}`,
          password: config.federation.secret,
          state: this.triggerState,
          summary,
          log: log.child({ module: "federation" }),
        })
      : undefined;
    this.http = new HttpServer({
      host: config.http.host,
      port: config.http.port,
      log: log.child({ module: "http" }),
      store: this.store,
      registry: this.registry,
      health: () => this.health(),
      now,
      routes: reservesRoutes({ reserves: this.reserves, state: this.triggerState, triggers: this.triggers, link: this.link, summary, commands: this.commands }),
    });
    this.bus.on("outbox", () => void this.link?.drain());
    this.bus.on("notification", (n) => {
      // The local alarm channel: anything on the village network can sound it (sirens, phones).
      this.broker.publish(`cs/v1/village/${config.village.id}/notifications`, JSON.stringify(n), { qos: 1 });
    });
  }

  async start(): Promise<void> {
    try {
      await this.store.start();
    } catch (err) {
      // A store that is down at start-up is not fatal: nothing is acknowledged until it is back,
      // so readings wait in the edge journals.
      this.log.error({ store: this.store.kind, err: (err as Error).message }, "store unavailable at start");
    }
    this.triggerState.open();
    await this.reserves.start();
    for (const a of this.triggerState.assessments()) this.reserves.assess(a.name as "greenhouse.cropLossPct", a.value, a.tsMs);
    await this.broker.start();
    await this.ingest.start();
    this.commands.start();
    await this.triggers.start();
    await this.link?.start();
    await this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.link?.stop();
    await this.triggers.stop();
    this.commands.stop();
    await this.ingest.stop();
    await this.broker.stop();
    await this.reserves.stop();
    this.triggerState.close();
    await this.store.stop();
  }

  /** Stops and starts the broker on the same port, as a crash and restart of it would. */
  async restartBroker(): Promise<void> {
    await this.broker.stop();
    await this.broker.start();
  }

  health(): Record<string, unknown> & { status: "ok" | "degraded" } {
    const broker = this.broker.health();
    const store = this.store.health();
    const status = broker.state === "up" && store.state === "up" ? "ok" : "degraded";
    return {
      status,
      village: this.config.village.id,
      uptimeMs: Date.now() - this.startedAt,
      components: {
        broker,
        store: { kind: this.store.kind, ...store },
        ingest: this.ingest.counters,
        federation: this.link ? { state: this.link.connected ? "up" : "down", sent: this.link.sent, waiting: this.triggerState.unsent(1000).length } : { state: "not configured" },
      },
      devices: this.registry.deviceIds().map((id) => {
        const s = this.ingest.devices.get(id);
        return {
          device: id,
          online: s?.online ?? false,
          lastStatus: s ? new Date(s.ts).toISOString() : null,
          journal: s?.journal ?? null,
          warnings: s?.warnings ?? [],
        };
      }),
    };
  }
}
