// The gateway's HTTP server: the API under /api, the login page; Node-RED and the dashboards mount
// the rest. HTTP, or HTTPS with the village's certificate; security headers on every answer.
import express from "express";
import helmet from "helmet";
import compression from "compression";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "pino";
import { apiErrorHandler, apiRouter, type ApiDeps } from "./routes.ts";
import { CsError } from "../../protocol/errors.ts";
import type { Accounts } from "../security/accounts.ts";
import { writeGuard } from "./write-guard.ts";
import { loginRoutes, sessionRoute } from "./login-routes.ts";
import { throttledGate } from "./throttled-gate.ts";

/** One change made through the API, and the account that made it (an office, never a person). */
export interface WriteRecord {
  at: string;
  account: string;
  method: string;
  path: string;
  status: number;
}

export interface HttpServerOptions extends Partial<ApiDeps> {
  host: string;
  port: number;
  log: Logger;
  health: () => Record<string, unknown>;
  staleAfterMs?: (sensor: string) => number;
  /** Further routes under /api, added by the services that own them. */
  routes?: (router: express.Router) => void;
  /** Given: writes need an account it establishes, and /login serves a form. Absent: every write is refused. */
  accounts?: Accounts;
  /** Origins besides the gateway's own that may write (a reverse proxy's public name). */
  allowedOrigins?: readonly string[];
  /** Given: HTTPS with this certificate chain and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /** Called for every write the API answered, accepted or refused. */
  audit?: (record: WriteRecord) => void;
}

export class HttpServer {
  readonly app = express();
  server: Server | undefined;
  private local: Server | undefined;
  private readonly o: HttpServerOptions;
  private boundPort = 0;
  private readonly sockets = new Set<Socket>();

  constructor(options: HttpServerOptions) {
    this.o = options;
  }

  get url(): string {
    return `${this.o.tls ? "https" : "http"}://${this.o.host === "0.0.0.0" ? "127.0.0.1" : this.o.host}:${this.boundPort}`;
  }

  /**
   * Where processes on this machine reach the API: the gateway's own flows. With TLS, a plain
   * listener on 127.0.0.1 only, since the flows would not trust the village's certificate and
   * loopback traffic never leaves the machine; writes there need the same credentials.
   */
  get localUrl(): string {
    return this.local ? `http://127.0.0.1:${(this.local.address() as AddressInfo).port}` : this.url;
  }

  async start(): Promise<void> {
    this.app.disable("x-powered-by");
    // Village Wi-Fi is slow: everything served is compressed (the dashboards' first visit is
    // 5.2 MB raw, about 1.4 MB gzipped).
    this.app.use(compression());
    // The dashboards and the editor run scripts of their own, so a content policy is set on the
    // API and login only; framing by other sites (clickjacking a pump button) is refused everywhere.
    // Referrer policy same-origin, not helmet's no-referrer: under no-referrer a browser sends
    // "Origin: null" with the gateway's own form posts, and the origin check must see the origin.
    this.app.use(helmet({ contentSecurityPolicy: false, strictTransportSecurity: Boolean(this.o.tls), frameguard: { action: "sameorigin" }, referrerPolicy: { policy: "same-origin" } }));
    const strictCsp = helmet.contentSecurityPolicy({ directives: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], formAction: ["'self'"], frameAncestors: ["'none'"] } });
    const accounts = this.o.accounts;
    if (accounts) {
      this.app.use(["/login", "/logout"], strictCsp);
      loginRoutes(this.app, { accounts, allowedOrigins: this.o.allowedOrigins ?? [], secureCookies: Boolean(this.o.tls) });
    }
    const router = express.Router();
    router.use(strictCsp);
    router.use(this.auditWrites());
    router.use(accounts ? writeGuard(accounts, this.o.allowedOrigins) : refuseWrites);
    router.use(express.json({ limit: "64kb" }));
    if (accounts) router.get("/session", sessionRoute(accounts));
    this.o.routes?.(router);
    if (this.o.store && this.o.registry) router.use(apiRouter({ ...this.o, store: this.o.store, registry: this.o.registry }));
    else router.get("/health", (_req, res) => res.json(this.o.health()));
    // After every route: an API client gets a code it can read, not express's HTML page.
    router.use((req, _res, next) => next(new CsError("CS_ERR_ROUTE_UNKNOWN", `${req.method} ${req.originalUrl.split("?")[0]}`)));
    router.use(apiErrorHandler);
    this.app.use("/api", router);
    const listener = accounts ? throttledGate(accounts, this.app) : this.app;
    const server = this.o.tls
      ? createHttpsServer({ cert: readFileSync(this.o.tls.certFile), key: readFileSync(this.o.tls.keyFile) }, listener)
      : createServer(listener);
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
    if (this.o.tls) {
      const local = createServer(listener);
      local.on("connection", (s) => {
        this.sockets.add(s);
        s.once("close", () => this.sockets.delete(s));
      });
      await new Promise<void>((resolve, reject) => {
        local.once("error", reject);
        local.listen(0, "127.0.0.1", () => resolve());
      });
      this.local = local;
    }
    this.o.log.info({ url: this.url, ...(this.local ? { localUrl: this.localUrl } : {}) }, "http listening");
  }

  async stop(): Promise<void> {
    const servers = [this.server, this.local].filter((s): s is Server => s !== undefined);
    this.server = this.local = undefined;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const s of this.sockets) s.destroy(); // keep-alive clients would hold close() open
    await closed;
  }

  /**
   * Every write the guard let through, once answered, with the account it established. Refused
   * ones are counted, not recorded: a flood of them must not grow the disk or stall the loop.
   */
  private auditWrites(): express.RequestHandler {
    return (req, res, next) => {
      const audit = this.o.audit;
      if (!audit || req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
      res.once("finish", () => {
        const account = res.locals.account as string | undefined;
        if (account === undefined) return;
        const record: WriteRecord = { at: new Date().toISOString(), account, method: req.method, path: req.originalUrl.split("?")[0].slice(0, 200), status: res.statusCode };
        try {
          audit(record);
        } catch (err) {
          this.o.log.error({ err: (err as Error).message, ...record }, "write not recorded in the audit");
        }
      });
      next();
    };
  }
}

/** A server without accounts (the federation hub's) changes nothing over HTTP. */
const refuseWrites: express.RequestHandler = (req, res, next) => {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
  res.status(403).json({ code: "CS_ERR_WRITES_DISABLED", message: new CsError("CS_ERR_WRITES_DISABLED", "this server's API is read-only").message });
};
