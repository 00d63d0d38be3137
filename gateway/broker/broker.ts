// The village's embedded MQTT broker: aedes on a TCP listener, or TLS for links that leave the
// building; the federation hub's nodes share their state through Redis (shared-state.ts).
import { Aedes, type AedesPublishPacket, type Client } from "aedes";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { readFileSync } from "node:fs";
import { redisSharedState, type SharedState } from "./shared-state.ts";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Identity, IdentityStore } from "../security/identities.ts";
import { IDENTITY_NAME } from "../security/identities.ts";
import { canPublish, canSubscribe } from "../security/acl.ts";
import { isGatewayOnlyTopic } from "../../protocol/topics.ts";
import { guardedSocket } from "./packet-size-guard.ts";
import { ADDRESS_POLICY, LoginThrottle } from "../security/login-throttle.ts";

export interface BrokerOptions {
  host: string;
  port: number;
  log: Logger;
  /** A subscriber that cannot take a message for this long is dropped (aedes' default, stated). */
  drainTimeoutMs?: number;
  /** Given: every client proves a device or observer identity, and the ACL applies. */
  identities?: IdentityStore;
  limits?: Partial<BrokerLimits>;
  /** Given: the listener speaks MQTT over TLS (mqtts://) with this certificate chain and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /**
   * Given: subscriptions, retained messages and QoS 1 sessions live in this Redis and messages pass
   * between every broker node on it (aedes' mqemitter-redis and aedes-persistence-redis).
   */
  redisUrl?: string;
  /** This node's id among the brokers sharing one Redis. */
  nodeId?: string;
}

/** Called for every message on a topic matching the filter, whichever broker node it arrived at. */
export type MessageListener = (topic: string, payload: Buffer) => void;

export interface BrokerLimits {
  /** Largest MQTT packet, checked from its header before its body is buffered. */
  maxPacketBytes: number;
  /** A socket that has not sent CONNECT by then is closed. */
  connectTimeoutMs: number;
  /** Open connections per remote address. */
  maxConnectionsPerAddress: number;
  /** Publishes per second per client (a token bucket with this burst); more closes the client. */
  maxPublishesPerSecond: number;
}

export const DEFAULT_LIMITS: BrokerLimits = { maxPacketBytes: 512 * 1024, connectTimeoutMs: 10_000, maxConnectionsPerAddress: 32, maxPublishesPerSecond: 1_000 };

export interface Refusal {
  clientId: string;
  identity: string | null;
  action: "connect" | "publish" | "subscribe";
  topic: string;
  reason: string;
}

export type ClientPublishListener = (packet: AedesPublishPacket, client: Client) => void;

/** Secret checks at once; more wait for none and are refused (CONNACK 3), so a flood stays cheap. */
const MAX_CONCURRENT_CHECKS = 8;

/** An identity's client ids: its name, or its name, a colon and anything (identity names have no colon). */
export function ownsClientId(identity: string, clientId: string): boolean {
  return clientId === identity || clientId.startsWith(`${identity}:`);
}

export class Broker {
  aedes: Aedes | undefined;
  private server: Server | undefined;
  private shared: SharedState | undefined;
  private readonly subscriptions: Array<{ filter: string; listener: MessageListener }> = [];
  private readonly o: BrokerOptions;
  private boundPort = 0;
  private readonly sockets = new Set<Socket>();
  private readonly listeners = new Set<ClientPublishListener>();
  /** The latest refusals (connect, publish, subscribe), for /api/health; counted in full. */
  readonly refused: Refusal[] = [];
  readonly refusedCount = { connect: 0, publish: 0, subscribe: 0, oversized: 0, overConnections: 0, overRate: 0, throttled: 0 };
  private readonly authThrottle = new LoginThrottle(ADDRESS_POLICY);
  private checking = 0;
  /** The remote address behind each stream aedes sees (the packet-size guard wraps the socket). */
  private readonly addressOf = new WeakMap<object, string>();
  private readonly limits: BrokerLimits;
  private readonly perAddress = new Map<string, number>();
  private readonly buckets = new WeakMap<Client, { tokens: number; atMs: number }>();
  private readonly identityOf = new WeakMap<Client, Identity>();

  constructor(options: BrokerOptions) {
    this.o = options;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `${this.o.tls ? "mqtts" : "mqtt"}://${this.o.host === "0.0.0.0" ? "127.0.0.1" : this.o.host}:${this.boundPort}`;
  }

  async start(): Promise<void> {
    const shared = this.o.redisUrl
      ? await redisSharedState(this.o.redisUrl, (err) => this.o.log.warn({ err: err.message }, "Redis connection lost; reconnecting (the hub nodes cannot share state meanwhile)"))
      : undefined;
    const aedes = await Aedes.createBroker({
      drainTimeout: this.o.drainTimeoutMs ?? 60_000,
      connectTimeout: this.limits.connectTimeoutMs,
      ...(shared ? { mq: shared.mq, persistence: shared.persistence, ...(this.o.nodeId ? { id: this.o.nodeId } : {}) } : {}),
    });
    this.shared = shared;
    const identities = this.o.identities;
    // aedes gives an empty client id a generated one even with clean session 0; the spec says
    // refuse it [MQTT-3.1.3-8]. Noted here, refused in authenticate with CONNACK 0x02.
    const emptyIdWithSession = new WeakSet<Client>();
    aedes.preConnect = (client, packet, callback) => {
      if (!packet.clientId && packet.clean === false) emptyIdWithSession.add(client);
      callback(null, true);
    };
    aedes.authenticate = (client, username, password, done) => {
      // Wildcards and level separators in a client id or user name could be abused in topic ACLs.
      if (emptyIdWithSession.has(client) || !client.id || /[+#/]/.test(client.id) || (username !== undefined && /[+#/]/.test(username))) {
        this.refuse(client, "connect", "", emptyIdWithSession.has(client) ? "empty client id with clean session 0" : "client id or user name contains +, # or /");
        return done(Object.assign(new Error("identifier rejected"), { returnCode: 2 }) as never, false);
      }
      if (!identities) return done(null, true);
      if (!username || !IDENTITY_NAME.test(username)) {
        this.refuse(client, "connect", "", "no identity given");
        return done(Object.assign(new Error("not authorized"), { returnCode: 5 }) as never, false);
      }
      // A client may use only its own identity's client id: an observer taking a board's id would
      // push the board off the broker [MQTT-3.1.4-2]. Checked before the secret, which costs more.
      if (!ownsClientId(username, client.id)) {
        this.refuse(client, "connect", "", `client id ${client.id} is not identity ${username}'s: use ${username} or ${username}:<suffix>`);
        return done(Object.assign(new Error("identifier rejected"), { returnCode: 2 }) as never, false);
      }
      // Each check is a scrypt on libuv's thread pool, which the disk flushes share: an address
      // that keeps failing waits, and only a few checks run at once.
      const address = this.addressOf.get(client.conn as object) ?? "?";
      if (this.authThrottle.waitMs(address) > 0 || this.checking >= MAX_CONCURRENT_CHECKS) {
        this.refusedCount.throttled++;
        this.refuse(client, "connect", "", this.checking >= MAX_CONCURRENT_CHECKS ? "too many logins being checked" : `too many failed logins from ${address}`);
        return done(Object.assign(new Error("server unavailable"), { returnCode: 3 }) as never, false);
      }
      this.checking++;
      identities.authenticate(username, password?.toString("utf8")).then(
        (identity) => {
          this.checking--;
          if (!identity) {
            this.authThrottle.failed(address);
            this.refuse(client, "connect", "", `identity ${username}: unknown, revoked or wrong secret`);
            return done(Object.assign(new Error("bad user name or password"), { returnCode: 4 }) as never, false);
          }
          this.authThrottle.succeeded(address);
          this.identityOf.set(client, identity);
          done(null, true);
        },
        (err: Error) => {
          this.checking--;
          done(Object.assign(err, { returnCode: 3 }) as never, false);
        },
      );
    };
    aedes.authorizePublish = (client, packet, callback) => {
      if (client && !this.takeToken(client)) {
        this.refuse(client, "publish", packet.topic, `over ${this.limits.maxPublishesPerSecond} publishes per second`);
        this.refusedCount.overRate++;
        return callback(new Error("publish rate limit"));
      }
      // Topics only the gateway publishes on (through aedes.publish, never as a client), even on an
      // open broker: refused and disconnected [MQTT-3.3.5-2]. The rest of the ACL needs identities.
      if (packet.topic.startsWith("$SYS/") || isGatewayOnlyTopic(packet.topic)) {
        this.refuse(client, "publish", packet.topic, "reserved for the gateway");
        return callback(new Error(`${packet.topic} is reserved for the gateway`));
      }
      if (identities && client) {
        const identity = this.identityOf.get(client);
        if (!identity || identities.get(identity.name)?.revokedAt || !canPublish(identity, packet.topic)) {
          this.refuse(client, "publish", packet.topic, identity ? `not allowed for ${identity.role} ${identity.name}` : "no identity");
          return callback(new Error(`${packet.topic} is not allowed for this identity`));
        }
      }
      callback(null);
    };
    aedes.authorizeSubscribe = (client, subscription, callback) => {
      if (!identities) return callback(null, subscription);
      const identity = this.identityOf.get(client);
      if (!identity || identities.get(identity.name)?.revokedAt || !canSubscribe(identity, subscription.topic)) {
        this.refuse(client, "subscribe", subscription.topic, identity ? `not allowed for ${identity.role} ${identity.name}` : "no identity");
        return callback(null, null); // SUBACK 0x80 for this filter [MQTT-3.9.3-2]
      }
      callback(null, subscription);
    };
    // A revoked identity gets nothing more, retained messages included.
    aedes.authorizeForward = (client, packet) => {
      const identity = identities ? this.identityOf.get(client) : undefined;
      if (identities && (!identity || identities.get(identity.name)?.revokedAt)) return null;
      return packet;
    };
    aedes.on("clientError", (client, err) => this.o.log.debug({ client: client?.id, err: err.message }, "client error"));
    aedes.on("connectionError", (client, err) => this.o.log.debug({ client: client?.id, err: err.message }, "connection error"));
    aedes.on("publish", (packet, client) => {
      if (!client) return; // the broker's own publishes (acks, commands, notifications)
      for (const listener of this.listeners) {
        try {
          listener(packet, client);
        } catch (err) {
          this.o.log.error({ topic: packet.topic, clientId: client.id, err: (err as Error).message }, "publish listener failed");
        }
      }
    });
    const onSocket = (socket: Socket) => {
      this.sockets.add(socket);
      const address = socket.remoteAddress ?? "?";
      const open = (this.perAddress.get(address) ?? 0) + 1;
      this.perAddress.set(address, open);
      socket.once("close", () => {
        this.sockets.delete(socket);
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      });
      socket.on("error", () => undefined); // resets from hostile clients are not the gateway's errors
      if (open > this.limits.maxConnectionsPerAddress) {
        this.refusedCount.overConnections++;
        this.o.log.warn({ address, open }, `connection refused: over ${this.limits.maxConnectionsPerAddress} from one address`);
        return void socket.destroy();
      }
      // aedes would see a wrapped stream, not the socket: turn Nagle off here, or small acks and
      // notifications wait for delayed TCP acknowledgements (about 40 ms on Linux).
      socket.setNoDelay(true);
      const guarded = guardedSocket(socket, this.limits.maxPacketBytes, (announced) => {
        this.refusedCount.oversized++;
        this.o.log.warn({ address, announced }, `connection cut: packet over ${this.limits.maxPacketBytes} bytes`);
      });
      this.addressOf.set(guarded, address);
      aedes.handle(guarded as unknown as Socket);
    };
    const server = this.o.tls
      ? createTlsServer({ cert: readFileSync(this.o.tls.certFile), key: readFileSync(this.o.tls.keyFile) }, onSocket)
      : createServer(onSocket);
    // A TLS handshake that fails (wrong CA, plain MQTT on the TLS port) is the client's problem.
    server.on("tlsClientError", (err: Error) => this.o.log.debug({ err: err.message }, "TLS handshake refused"));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // A restart binds the port it had, so clients find it again (port 0 picks one only once).
      server.listen(this.boundPort || this.o.port, this.o.host, () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.aedes = aedes;
    this.server = server;
    for (const { filter, listener } of this.subscriptions) await this.attach(aedes, filter, listener);
    this.o.log.info({ url: this.url, shared: this.o.redisUrl ? "redis" : "none" }, "broker listening");
  }

  /**
   * Listens to every message on the filter, including those that reached another broker node on
   * the same Redis (a client publish seen by onClientPublish is only this node's). Survives restarts.
   */
  async subscribe(filter: string, listener: MessageListener): Promise<void> {
    this.subscriptions.push({ filter, listener });
    if (this.aedes) await this.attach(this.aedes, filter, listener);
  }

  private attach(aedes: Aedes, filter: string, listener: MessageListener): Promise<void> {
    return new Promise((resolve) =>
      aedes.subscribe(
        filter,
        (packet, done) => {
          try {
            listener(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
          } catch (err) {
            this.o.log.error({ topic: packet.topic, err: (err as Error).message }, "message listener failed");
          }
          done();
        },
        () => resolve(),
      ),
    );
  }

  async stop(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = undefined;
    this.server = undefined;
    await new Promise<void>((resolve) => (aedes ? aedes.close(() => resolve()) : resolve()));
    const shared = this.shared;
    this.shared = undefined;
    await shared?.close();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients that do not go on their own are cut, so stop() always finishes.
        for (const socket of this.sockets) socket.destroy();
      });
    }
  }

  /**
   * Calls the listener for every publish a client makes, across broker restarts (the gateway's
   * services subscribe once). Returns the function that removes it.
   */
  onClientPublish(listener: ClientPublishListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Publishes as the gateway itself; a broker that is down drops it (callers' own retry applies). */
  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }, done?: (err?: Error) => void): void {
    const aedes = this.aedes;
    if (!aedes) return done?.(new Error("broker is not running"));
    const body = typeof payload === "string" ? Buffer.from(payload) : payload;
    aedes.publish({ cmd: "publish", topic, payload: body, qos: options.qos, retain: options.retain ?? false, dup: false }, (err) => done?.(err ?? undefined));
  }

  /** Drops the connected clients of an identity (after it is revoked). */
  disconnectIdentity(name: string): void {
    const clients = (this.aedes as unknown as { clients?: Record<string, Client> } | undefined)?.clients ?? {};
    for (const client of Object.values(clients)) if (this.identityOf.get(client)?.name === name) client.close();
  }

  health() {
    return {
      state: (this.aedes && !this.aedes.closed ? "up" : "down") as "up" | "down",
      clients: this.aedes?.connectedClients ?? 0,
      /** A hub node's Redis: "none" without one; "down" while it is unreachable (the nodes cannot share state). */
      shared: (this.shared ? (this.shared.reachable() ? "up" : "down") : "none") as "up" | "down" | "none",
      access: this.o.identities ? "identities" : "open",
      refusedPublishes: this.refusedCount.publish,
      refused: { ...this.refusedCount },
      lastRefusals: this.refused.slice(-20),
    };
  }

  /** Token bucket per client: refills at the limit per second, holds one second's worth. */
  private takeToken(client: Client): boolean {
    const now = Date.now();
    const rate = this.limits.maxPublishesPerSecond;
    const b = this.buckets.get(client) ?? { tokens: rate, atMs: now };
    b.tokens = Math.min(rate, b.tokens + ((now - b.atMs) / 1000) * rate);
    b.atMs = now;
    this.buckets.set(client, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private refuse(client: Client | null, action: Refusal["action"], topic: string, reason: string): void {
    const refusal: Refusal = { clientId: client?.id ?? "(none)", identity: (client && this.identityOf.get(client)?.name) ?? null, action, topic, reason };
    this.refusedCount[action]++;
    this.refused.push(refusal);
    if (this.refused.length > 1000) this.refused.shift();
    this.o.log.warn(refusal, `${action} refused`);
  }
}
