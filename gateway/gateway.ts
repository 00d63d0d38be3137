// Composition root of a village gateway: store -> broker -> ingest -> HTTP, stopped in reverse.
import type { Logger } from "pino";
import type { LoadedBoard } from "../protocol/board/check.ts";
import type { GatewayConfig } from "./config/schema.ts";
import type { StoredReading } from "./store/store.ts";
import { Broker } from "./broker/broker.ts";
import { Bus } from "./bus.ts";
import { Ingest } from "./ingest/ingest.ts";
import { DeviceRegistry } from "./ingest/device-registry.ts";
import { countSensorOf, PANTRY_COUNTS_DEVICE } from "./pantry/counts.ts";
import { PantryCountTaker } from "./pantry/take-count.ts";
import { VillageSettings, type VillageChange } from "./reserves/village-settings.ts";
import { EmbeddedStore } from "./store/embedded-store.ts";
import { InfluxStore } from "./store/influx-store.ts";
import type { Store } from "./store/store.ts";
import { HttpServer } from "./api/http-server.ts";
import { EmbeddedNodeRed } from "./dashboard/node-red.ts";
import { IdentityStore } from "./security/identities.ts";
import { Accounts } from "./security/accounts.ts";
import { reservesRoutes } from "./api/reserves-routes.ts";
import { Reserves } from "./reserves/reserves.ts";
import { AlarmChannel } from "./triggers/alarm-channel.ts";
import { TriggerState } from "./triggers/trigger-state.ts";
import { TriggersService } from "./triggers/triggers-service.ts";
import { FederationLink } from "./federation/link.ts";
import { buildSummary } from "./federation/summary.ts";
import { VillageOffers } from "./federation/village-offers.ts";
import { AlarmOutputs } from "./triggers/alarm-outputs.ts";
import { SmsChannel } from "./triggers/sms-channel.ts";
import { UncoveredNeeds } from "./federation/uncovered-needs.ts";
import { HomeAssistantDiscovery } from "./integrations/home-assistant.ts";
import { KEPT_FIGURES, RESERVE_FIGURES_DEVICE, ReserveHistory } from "./reserves/reserve-history.ts";
import { checkAlarmOutputs, checkDataDir, checkReserveSensors, checkNamedFiles } from "./config/check.ts";
import { invalidFiles } from "../protocol/errors.ts";
import { CommandService } from "./control/command-service.ts";
import type { HealthVerdict } from "./health/village-health.ts";
import { gatewayHealth } from "./health/gateway-health.ts";

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
  /** Where the configuration came from, for its problems' messages. */
  private readonly configSource: string;
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
  private readonly clock: () => number;

  constructor(options: GatewayOptions) {
    const { config, log } = options;
    this.config = config;
    this.log = log;
    this.clock = options.now ?? Date.now;
    this.bus = new Bus(log.child({ module: "bus" }));
    this.registry = new DeviceRegistry(options.boards);
    this.registry.addLocalDevice(
      PANTRY_COUNTS_DEVICE,
      "pantry",
      config.reserves.food.staples.map((s) => ({ sensor: countSensorOf(s.name), unit: "kg" as const, label: `${s.name} (counted by hand)` })),
    );
    this.registry.addLocalDevice(RESERVE_FIGURES_DEVICE, "village", KEPT_FIGURES.map(({ sensor, unit, label }) => ({ sensor, unit, label })));
    this.configSource = options.configSource ?? "configuration";
    this.store =
      options.store ??
      (config.influx
        ? new InfluxStore({ url: config.influx.url, database: config.influx.database })
        : new EmbeddedStore({ dataDir: config.dataDir, ...config.store }));
    if (config.mqtt.requireIdentity) this.identities = new IdentityStore(config.dataDir, { load: false }); // read at start
    else log.warn("mqtt.requireIdentity is off: the broker accepts any client on the network (enrol devices with npm run enrol and turn it back on)");
    this.broker = new Broker({
      host: config.mqtt.host,
      port: config.mqtt.port,
      log: log.child({ module: "broker" }),
      identities: this.identities,
      limits: config.mqtt.limits,
      tls: config.mqtt.tls,
    });
    this.ingest = new Ingest({
      broker: this.broker,
      store: this.store,
      registry: this.registry,
      bus: this.bus,
      log: log.child({ module: "ingest" }),
      ...config.ingest,
    });
    const now = options.now ?? Date.now;
    this.reserves = new Reserves({ config, bus: this.bus, store: this.store, registry: this.registry, now });
    const history = new ReserveHistory({
      intervalMs: config.reserves.historyMinutes * 60_000,
      now,
      figures: () => this.reserves.figures(),
      store: (readings) => this.ingest.acceptLocal(readings),
      log: log.child({ module: "reserve-history" }),
    });
    // On "stored", not "readings": by then the reserves have the batch (and a store that is down
    // could not keep the figures anyway).
    this.bus.on("stored", () => history.tick());
    this.triggerState = new TriggerState(config.dataDir, {
      onFlushFailed: (err) => log.error({ err: err.message }, "trigger state not flushed to disk; aid requests wait until it is"),
    });
    this.commands = new CommandService({
      broker: this.broker,
      registry: this.registry,
      state: this.triggerState,
      log: log.child({ module: "commands" }),
      now,
      dataDir: config.dataDir,
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
    this.settings = new VillageSettings({ reserves: this.reserves, state: this.triggerState, evaluate: () => this.triggers.evaluateNow(), now: Date.now });
    this.pantryCounts = new PantryCountTaker({
      staples: () => config.reserves.food.staples.map((s) => s.name),
      countHoldsHours: config.reserves.food.countHoldsHours,
      store: (readings) => this.ingest.acceptLocal(readings),
      evaluate: () => this.triggers.evaluateNow(),
      now: this.clock,
    });
    this.offers = new VillageOffers(config.village.id, this.triggerState);
    const summary = () => buildSummary(config.village.id, config, this.reserves.figures(), now(), this.offers.list());
    const hubUrls = config.federation.hubUrls ?? (config.federation.hubUrl ? [config.federation.hubUrl] : []);
    const uncovered = new UncoveredNeeds({ village: config.village.id, now, linkUp: () => this.link?.connected ?? false, urgencyOf: (id) => this.triggerState.aidRequest(id)?.urgency });
    if (hubUrls.length) this.reserves.federationFigures = () => uncovered.figures();
    this.link = hubUrls.length
      ? new FederationLink({
          village: config.village.id,
          hubUrls,
          tls: config.federation.tls,
          username: config.federation.identity ?? config.village.id,
          password: config.federation.secret,
          state: this.triggerState,
          summary,
          // A transfer this village agreed to give from an offer comes off it: the next summary
          // must not offer it again.
          onProposals: (proposals) => {
            if (this.offers.takeAgreed(proposals)) this.link?.publishSummary();
            uncovered.update(this.link?.uncovered ?? []);
          },
          summaryIntervalMs: config.federation.summaryIntervalMs,
          now,
          log: log.child({ module: "federation" }),
        })
      : undefined;
    this.accounts = new Accounts(config.nodeRed.accounts, { anonymousWrites: config.http.anonymousWrites });
    this.http = new HttpServer({
      host: config.http.host,
      port: config.http.port,
      tls: config.http.tls,
      log: log.child({ module: "http" }),
      accounts: this.accounts,
      allowedOrigins: config.http.allowedOrigins,
      audit: (w) => this.triggerState.recordWrite(w),
      store: this.store,
      registry: this.registry,
      health: () => this.health(),
      now,
      staleAfterMs: (sensor) => this.reserves.staleAfterMs(sensor),
      routes: reservesRoutes({
        reserves: this.reserves,
        state: this.triggerState,
        triggers: this.triggers,
        link: this.link,
        summary,
        commands: this.commands,
        pantryCount: (body) => this.takePantryCount(body),
        offers: this.offers,
        acknowledged: () => this.alarmOutputs.refresh(),
        village: () => this.reserves.village(),
        changeVillage: (change) => this.changeVillage(change),
      }),
    });
    this.bus.on("outbox", () => void this.link?.drain());
    // The local alarm channel: anything on the village network can sound it (sirens, phones).
    this.alarms = new AlarmChannel({ village: config.village.id, state: this.triggerState, broker: this.broker, log: this.log.child({ module: "alarms" }) });
    this.bus.on("notification", () => void this.alarms.drain());
    this.alarmOutputs = new AlarmOutputs({ outputs: config.alarms.outputs, state: this.triggerState, commands: this.commands, log: this.log.child({ module: "alarm-outputs" }) });
    this.bus.on("notification", (n) => {
      if (n.kind === "alert-raised" || n.kind === "alert-cleared") this.alarmOutputs.refresh();
    });
    if (config.homeAssistant.discovery) {
      this.homeAssistant = new HomeAssistantDiscovery({ village: config.village, registry: this.registry, broker: this.broker, log: this.log.child({ module: "home-assistant" }) });
      this.bus.on("readings", (readings) => this.homeAssistant?.publishStates(readings));
    }
    this.sms = config.alarms.sms && new SmsChannel({ village: config.village.name, config: config.alarms.sms, state: this.triggerState, log: this.log.child({ module: "sms" }) });
    this.bus.on("notification", () => void this.sms?.drain());
  }

  /** What the village offers its neighbours beyond water and food. */
  readonly offers: VillageOffers;
  private readonly settings: VillageSettings;
  private readonly pantryCounts: PantryCountTaker;
  private readonly alarms: AlarmChannel;
  /** Sirens, strobes and lamps on boards, switched by the active alerts. */
  readonly alarmOutputs: AlarmOutputs;
  /** Home Assistant MQTT discovery and per-sensor state topics, when configured. */
  readonly homeAssistant: HomeAssistantDiscovery | undefined;
  /** Alerts by SMS through gammu-smsd, when configured. */
  readonly sms: SmsChannel | undefined;

  /** The assembly changed the head count or a norm: kept, applied, and the triggers look again. */
  changeVillage(change: VillageChange): ReturnType<Reserves["village"]> {
    return this.settings.change(change);
  }
  private unwatchIdentities: (() => void) | undefined;
  /** Role accounts for the editor and for changing things from a browser. */
  readonly accounts: Accounts;
  /** Enrolled device and observer identities, when the broker requires them. */
  readonly identities: IdentityStore | undefined;
  /** The dashboards and the flow editor, when the configuration enables them. */
  nodeRed: EmbeddedNodeRed | undefined;

  /** A kitchen's count: validated, stored, and the reserves and triggers see it at once. */
  takePantryCount(body: unknown): Promise<StoredReading & { standsUntil: string }> {
    return this.pantryCounts.take(body);
  }

  /**
   * Starts every part in order; if one fails (a port taken, a store that refuses), what had started
   * is stopped again before the error is thrown: no broker left listening, no database left open,
   * so the same data directory can be started again at once.
   */
  async start(): Promise<void> {
    try {
      await this.startAll();
    } catch (err) {
      await this.stop().catch((stopErr: Error) => this.log.error({ err: stopErr.message }, "stopping after a failed start failed too"));
      throw err;
    }
  }

  /**
   * What the configuration names on disk, read before anything listens: a problem with any of it
   * (a sensor no board declares, an unreadable file, a data directory that cannot be written, a
   * bad rule file) stops the start with every problem named.
   */
  private prepare(): void {
    const { config, registry } = this;
    const problems = [...checkReserveSensors(config, registry), ...checkAlarmOutputs(config, registry), ...checkNamedFiles(config), ...checkDataDir(config)];
    if (problems.length) throw invalidFiles("CS_ERR_CONFIG_INVALID", problems.map((p) => `${this.configSource}: ${p}`));
    this.identities?.reload();
    this.triggers.load();
  }

  private async startAll(): Promise<void> {
    this.prepare();
    try {
      await this.store.start();
    } catch (err) {
      // A store that is down at start-up is not fatal: nothing is acknowledged until it is back,
      // so readings wait in the edge journals.
      this.log.error({ store: this.store.kind, err: (err as Error).message }, "store unavailable at start");
    }
    this.triggerState.open();
    await this.reserves.start();
    this.settings.applyKept();
    await this.broker.start();
    this.unwatchIdentities = this.identities?.watch((names) => {
      for (const name of names) {
        this.log.warn({ identity: name }, "identity revoked: dropping its connections");
        this.broker.disconnectIdentity(name);
      }
    });
    await this.ingest.start();
    this.homeAssistant?.announce();
    this.commands.start();
    await this.triggers.start();
    await this.alarms.drain(); // what a crash kept from the alarm channel goes out now
    this.alarmOutputs.refresh(); // an alert still unanswered after a restart sounds again
    void this.sms?.drain(); // and what was not handed to the modem before goes now
    await this.link?.start();
    await this.http.start();
    this.announceAccess();
    if (this.config.nodeRed.enabled) {
      this.nodeRed = new EmbeddedNodeRed({
        config: this.config.nodeRed,
        dataDir: this.config.dataDir,
        server: this.http.server!,
        app: this.http.app,
        log: this.log.child({ module: "node-red" }),
        gatewayUrl: () => this.http.localUrl,
        accounts: this.accounts,
        allowedOrigins: this.config.http.allowedOrigins,
      });
      await this.nodeRed.start();
    }
  }

  /** Who may change things, said at every start (and in /api/health). */
  private announceAccess(): void {
    const access = this.accounts.access;
    if (access === "anonymous") this.log.warn("http.anonymousWrites is on: ANYONE on the network may change counts, settings and outputs without a login");
    else if (access === "read-only") this.log.warn("no accounts in nodeRed.accounts: figures are read-only, nobody can change anything through the API or the dashboards");
    else this.log.info({ accounts: this.config.nodeRed.accounts.length }, "writes need a login with write permission");
  }

  async stop(): Promise<void> {
    await this.nodeRed?.stop();
    this.nodeRed = undefined;
    await this.http.stop();
    await this.accounts.close();
    await this.link?.stop();
    await this.triggers.stop();
    await this.alarms.stop();
    await this.sms?.stop();
    this.commands.stop();
    await this.ingest.stop();
    this.unwatchIdentities?.();
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

  health(): Record<string, unknown> & HealthVerdict {
    const { broker, store, ingest, registry, reserves, triggerState, link, accounts, alarmOutputs, sms } = this;
    return gatewayHealth({ village: this.config.village.id, startedAt: this.startedAt, nowMs: this.clock(), broker, store, ingest, registry, reserves, triggerState, link, accounts, alarmOutputs, sms });
  }
}
