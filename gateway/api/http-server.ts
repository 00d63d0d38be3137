// The gateway's HTTP server: the API under /api; Node-RED and the dashboards mount the rest.
import express from "express";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "pino";
import { apiErrorHandler, apiRouter, type ApiDeps } from "./routes.ts";
import { CsError } from "../../protocol/errors.ts";

export interface HttpServerOptions extends Partial<ApiDeps> {
  host: string;
  port: number;
  log: Logger;
  health: () => Record<string, unknown>;
  /** Further routes under /api, added by the services that own them. */
  routes?: (router: express.Router) => void;
  /** Runs before every /api route: writes need an account (gateway/security/accounts.ts). */
  guard?: express.RequestHandler;
  /** GET /login, when there are accounts. */
  login?: express.RequestHandler;
}

export class HttpServer {
  readonly app = express();
  server: Server | undefined;
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
    const router = express.Router();
    if (this.o.guard) router.use(this.o.guard);
    if (this.o.login) this.app.get("/login", this.o.login);
    router.use(express.json({ limit: "64kb" }));
    this.o.routes?.(router);
    if (this.o.store && this.o.registry) router.use(apiRouter({ ...this.o, store: this.o.store, registry: this.o.registry }));
    else router.get("/health", (_req, res) => res.json(this.o.health()));
    // After every route: an API client gets a code it can read, not express's HTML page.
    router.use((req, _res, next) => next(new CsError("CS_ERR_ROUTE_UNKNOWN", `${req.method} ${req.originalUrl.split("?")[0]}`)));
    router.use(apiErrorHandler);
    this.app.use("/api", router);
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
