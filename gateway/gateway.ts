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

export interface GatewayOptions {
  config: GatewayConfig;
  boards: readonly LoadedBoard[];
  log: Logger;
  /** Tests inject a store; otherwise it follows the configuration. */
  store?: Store;
}

export class Gateway {
  readonly config: GatewayConfig;
  readonly bus: Bus;
  readonly registry: DeviceRegistry;
  readonly store: Store;
  readonly broker: Broker;
  readonly ingest: Ingest;
  readonly http: HttpServer;
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
      aedes: () => this.broker.aedes,
      store: this.store,
      registry: this.registry,
      bus: this.bus,
      log: log.child({ module: "ingest" }),
      ...config.ingest,
    });
    this.http = new HttpServer({
      host: config.http.host,
      port: config.http.port,
      log: log.child({ module: "http" }),
      store: this.store,
      registry: this.registry,
      health: () => this.health(),
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
    await this.broker.start();
    await this.ingest.start();
    await this.http.start();
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.ingest.stop();
    await this.broker.stop();
    await this.store.stop();
  }

  /** Stops and starts the broker on the same port, as a crash and restart of it would. */
  async restartBroker(): Promise<void> {
    await this.broker.stop();
    await this.broker.start();
    this.ingest.attach();
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
      },
      devices: this.registry.deviceIds().map((id) => {
        const s = this.ingest.devices.get(id);
        return { device: id, online: s?.online ?? false, lastStatus: s ? new Date(s.ts).toISOString() : null, journal: s?.journal ?? null };
      }),
    };
  }
}
