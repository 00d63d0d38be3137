// Node-RED 4 inside the gateway process, on the gateway's HTTP server: the dashboards (FlowFuse
// Dashboard 2, served from node_modules, no CDN) at /dashboard, the editor at /admin behind a
// login, and the flows from flows/. Node-RED is a process-wide singleton: one gateway per process
// runs it. No traffic leaves the machine: telemetry, update checks and tours are off.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { mkdirSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, Server } from "node:http";
import express from "express";
import type { Logger } from "pino";
import RED from "node-red";
import { invalidFiles } from "../../protocol/errors.ts";
import { loadFlowFiles, unknownTypes } from "./flow-files.ts";
import type { GatewayConfig } from "../config/schema.ts";
import type { Accounts } from "../security/accounts.ts";
import { isSameOrigin } from "../api/origin-check.ts";
import { immutableAssets } from "./immutable-assets.ts";
import { iconFontSubset } from "./icon-font-subset.ts";

export interface NodeRedOptions {
  config: GatewayConfig["nodeRed"];
  dataDir: string;
  server: Server;
  app: express.Express;
  log: Logger;
  /** Origins besides the gateway's own whose pages may use the dashboards' socket. */
  allowedOrigins: readonly string[];
  /** The gateway's own HTTP URL, for the flows' cs-gateway config node (${CS_GATEWAY_HTTP_URL}). */
  gatewayUrl: () => string;
  accounts: Accounts;
}

interface DashboardSocket {
  request: { headers: IncomingHttpHeaders };
}

/**
 * The editor's token endpoint: an address that failed too often waits before its next attempt is
 * even checked (the per-account part is in Accounts.login, which the editor's authenticate uses).
 */
function editorLoginThrottle(accounts: Accounts): express.RequestHandler {
  return (req, res, next) => {
    const address = req.socket.remoteAddress ?? "?";
    const wait = accounts.addressWaitMs(address);
    if (wait > 0) {
      accounts.counts.throttled++;
      res.set("retry-after", String(Math.ceil(wait / 1000)));
      return void res.status(429).json({ code: "CS_ERR_LOGIN_THROTTLED", message: "too many failed logins from here: wait and try again" });
    }
    res.once("finish", () => {
      if (res.statusCode === 401 || res.statusCode === 403) accounts.addressFailed(address);
    });
    next();
  };
}

const require = createRequire(import.meta.url);
const DASHBOARD_DIR = dirname(require.resolve("@flowfuse/node-red-dashboard/package.json"));
const PROJECT_NODES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../flows/nodes");

/** Node-RED's log levels (numbers) to pino's. */
const LEVELS: Record<number, "fatal" | "error" | "warn" | "info" | "debug" | "trace"> = { 10: "fatal", 20: "error", 30: "warn", 40: "info", 50: "debug", 60: "trace", 98: "info", 99: "info" };

let running = false;

export class EmbeddedNodeRed {
  constructor(private readonly o: NodeRedOptions) {}

  async start(): Promise<void> {
    if (running) throw new Error("Node-RED already runs in this process (it is a singleton): one gateway per process may enable it");
    const { config, dataDir, log } = this.o;
    const files = loadFlowFiles(config.flowsDir);
    const userDir = join(dataDir, "node-red");
    mkdirSync(userDir, { recursive: true });
    const flowFile = join(userDir, "flows.json");
    // flows/ is the source of truth: each start runs what is there (see docs/configuration.md: changing flows).
    writeFileSync(flowFile, JSON.stringify(files.flatMap((f) => f.nodes), null, 1));
    // The flows' cs-gateway node reads these (${...} in flows/shared.json): where the gateway is,
    // the token its flows write with, and whether a dashboard user must be logged in to write.
    process.env.CS_GATEWAY_HTTP_URL = this.o.gatewayUrl();
    process.env.CS_GATEWAY_TOKEN = this.o.accounts.flowsToken;
    process.env.CS_DASHBOARD_LOGIN = String(this.o.accounts.access !== "anonymous");
    const editor = config.editor && config.accounts.length > 0;
    if (config.editor && !editor) log.warn("Node-RED editor is off: no accounts in nodeRed.accounts (it never runs without a login)");
    const settings: Record<string, unknown> = {
      userDir,
      flowFile,
      credentialSecret: config.credentialSecret ?? this.secret(userDir),
      httpAdminRoot: editor ? "/admin" : false,
      httpNodeRoot: "/",
      disableEditor: !editor,
      nodesDir: [DASHBOARD_DIR, PROJECT_NODES_DIR],
      // The editor's logins go through the gateway's accounts: checked off the event loop and
      // throttled like every other login (editorLoginThrottle below adds the per-address part).
      adminAuth: editor
        ? {
            type: "credentials",
            users: async (username: string) => {
              const a = config.accounts.find((x) => x.account === username);
              return a ? { username: a.account, permissions: a.permissions } : null;
            },
            authenticate: async (username: string, password: string) => {
              const outcome = await this.o.accounts.login(String(username), String(password), undefined);
              return outcome.ok ? { username: outcome.account.name, permissions: outcome.account.permissions } : null;
            },
          }
        : undefined,
      dashboard: {
        ioMiddleware: (socket: DashboardSocket, next: (err?: Error) => void) => {
          // Cross-site websocket hijacking: a page elsewhere must not drive the dashboards with a
          // visitor's login. (This replaces Dashboard 2's default middleware, which checked xdomain.)
          if (!isSameOrigin(socket.request.headers, this.o.allowedOrigins)) {
            log.warn({ origin: socket.request.headers.origin }, "dashboard connection from another origin refused");
            return next(new Error("origin refused"));
          }
          next();
        },
      },
      // Read by the commons-sense plugin: the account of a dashboard connection, from its session
      // cookie, looked up on every message (a logout takes effect at once).
      commonsSense: { accountOf: (socket: DashboardSocket) => this.o.accounts.sessionAccount(socket.request.headers) },
      functionExternalModules: false,
      externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
      telemetry: { enabled: false, updateNotification: false },
      diagnostics: { enabled: false, ui: false },
      editorTheme: { tours: false, projects: { enabled: false } },
      logging: {
        pino: {
          level: "info",
          metrics: false,
          audit: false,
          handler: () => (msg: { level: number; msg?: unknown; type?: string }) => {
            log[LEVELS[msg.level] ?? "info"]({ nodeRed: msg.type }, String(msg.msg ?? ""));
          },
        },
      },
    };
    RED.init(this.o.server, settings);
    if (RED.httpAdmin) {
      this.o.app.post("/admin/auth/token", editorLoginThrottle(this.o.accounts));
      this.o.app.use("/admin", RED.httpAdmin);
    }
    // The dashboards' built assets, compressed at their best and cached by browsers for good
    // (their names carry a content hash); served here before Dashboard 2's own max-age=0.
    const assets = join(DASHBOARD_DIR, "dist", "assets");
    const icons = iconFontSubset(assets, files.map((f) => JSON.stringify(f.nodes)), log);
    this.o.app.use("/dashboard/assets", icons, immutableAssets(assets, log), express.static(assets, { immutable: true, maxAge: "365d", index: false }));
    this.o.app.use("/", RED.httpNode);
    running = true;
    await RED.start();
    const known = new Set(RED.nodes.getNodeList().flatMap((m) => (m.enabled && !m.err ? m.types : [])));
    const problems = unknownTypes(files, known);
    if (problems.length) {
      await this.stop();
      throw invalidFiles("CS_ERR_FLOWS_INVALID", problems);
    }
    log.info({ dashboard: "/dashboard", editor: editor ? "/admin" : "off", flows: files.map((f) => f.file) }, "Node-RED started");
  }

  async stop(): Promise<void> {
    if (!running) return;
    await RED.stop();
    running = false;
  }

  /** A credential secret made once per data directory, so flow credentials survive restarts. */
  private secret(userDir: string): string {
    const file = join(userDir, ".credential-secret");
    if (existsSync(file)) return readFileSync(file, "utf8").trim();
    const secret = randomBytes(24).toString("hex");
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
