// The village's embedded MQTT broker: aedes on a TCP listener.
import { Aedes, type AedesPublishPacket, type Client } from "aedes";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

export interface BrokerOptions {
  host: string;
  port: number;
  log: Logger;
  /** A subscriber that cannot take a message for this long is dropped (aedes' default, stated). */
  drainTimeoutMs?: number;
}

/**
 * Topics only the gateway itself publishes on (through aedes.publish, never as a client): commands
 * to outputs, and acknowledgements, which make an edge delete readings from its journal. A client
 * publishing there is refused and disconnected [MQTT-3.3.5-2]; the rest of the ACL is issue #8.
 */
export type ClientPublishListener = (packet: AedesPublishPacket, client: Client) => void;

const GATEWAY_ONLY = /^cs\/v1\/dev\/[^/]+\/(commands|ack)$/;

export class Broker {
  aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly o: BrokerOptions;
  private boundPort = 0;
  private readonly sockets = new Set<Socket>();
  private readonly listeners = new Set<ClientPublishListener>();
  /** Refused publishes by client id, for /api/health. */
  readonly refused: { clientId: string; topic: string }[] = [];

  constructor(options: BrokerOptions) {
    this.o = options;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `mqtt://${this.o.host === "0.0.0.0" ? "127.0.0.1" : this.o.host}:${this.boundPort}`;
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({ drainTimeout: this.o.drainTimeoutMs ?? 60_000 });
    aedes.authorizePublish = (client, packet, callback) => {
      if (packet.topic.startsWith("$SYS/") || GATEWAY_ONLY.test(packet.topic)) {
        const clientId = client?.id ?? "(none)";
        if (this.refused.length < 1000) this.refused.push({ clientId, topic: packet.topic });
        this.o.log.warn({ clientId, topic: packet.topic }, "publish refused: gateway-only topic");
        return callback(new Error(`${packet.topic} is reserved for the gateway`));
      }
      callback(null);
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
    const server = createServer(aedes.handle);
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // A restart binds the port it had, so clients find it again (port 0 picks one only once).
      server.listen(this.boundPort || this.o.port, this.o.host, () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.aedes = aedes;
    this.server = server;
    this.o.log.info({ url: this.url }, "broker listening");
  }

  async stop(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = undefined;
    this.server = undefined;
    await new Promise<void>((resolve) => (aedes ? aedes.close(() => resolve()) : resolve()));
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

  health(): { state: "up" | "down"; clients: number; refusedPublishes: number } {
    return { state: this.aedes && !this.aedes.closed ? "up" : "down", clients: this.aedes?.connectedClients ?? 0, refusedPublishes: this.refused.length };
  }
}
