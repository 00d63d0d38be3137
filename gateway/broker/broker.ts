// The village's embedded MQTT broker: aedes on a TCP listener.
import { Aedes } from "aedes";
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

export class Broker {
  aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly o: BrokerOptions;
  private boundPort = 0;
  private readonly sockets = new Set<Socket>();

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
    aedes.on("clientError", (client, err) => this.o.log.debug({ client: client?.id, err: err.message }, "client error"));
    aedes.on("connectionError", (client, err) => this.o.log.debug({ client: client?.id, err: err.message }, "connection error"));
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

  health(): { state: "up" | "down"; clients: number } {
    return { state: this.aedes && !this.aedes.closed ? "up" : "down", clients: this.aedes?.connectedClients ?? 0 };
  }
}
