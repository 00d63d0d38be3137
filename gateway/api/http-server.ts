// The gateway's HTTP server: the API under /api (Node-RED and dashboards join it later).
import express from "express";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "pino";
import { apiRouter, type ApiDeps } from "./routes.ts";

export interface HttpServerOptions extends ApiDeps {
  host: string;
  port: number;
  log: Logger;
}

export class HttpServer {
  readonly app = express();
  private server: Server | undefined;
  private readonly o: HttpServerOptions;
  private boundPort = 0;
  private readonly sockets = new Set<Socket>();

  constructor(options: HttpServerOptions) {
    this.o = options;
  }

  get url(): string {
    return `http://${this.o.host === "0.0.0.0" ? "127.0.0.1" : this.o.host}:${this.boundPort}`;
  }

  async start(): Promise<void> {
    this.app.disable("x-powered-by");
    this.app.use("/api", apiRouter(this.o));
    const server = createServer(this.app);
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.once("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
    this.o.log.info({ url: this.url }, "http listening");
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
