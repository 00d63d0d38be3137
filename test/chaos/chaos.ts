// Seeded chaos against a village of real processes on loopback: a gateway, three edge agents and a
// federation hub, with SIGKILL of the gateway (its embedded broker restarts with messages in
// flight), SIGKILL of an agent mid-journal-write, a frozen gateway (SIGSTOP), the federation link
// partitioned (hub frozen) or the hub killed and restarted, and, with the InfluxDB store, influxd
// down, at seeded times. Meanwhile the food team's crop assessment swings, so aid requests open,
// update and are withdrawn. When the faults stop, every reading an agent took must be in the store
// or still in its journal, counted by (device, sequence); the hub must hold no duplicate open
// request and no request the village has withdrawn; SQLite integrity checks pass on every database.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { freePort } from "../helpers/free-port.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { startInfluxd, type Influxd } from "../helpers/start-influxd.ts";
import { InfluxStore } from "../../gateway/store/influx-store.ts";
import { storedSequences } from "../../gateway/store/embedded-store.ts";
import { inspectJournal } from "../../edge/journal/journal.ts";
import { writeCropRules } from "../helpers/crop-rules.ts";
import { postCropLoss } from "../helpers/crop-assessment.ts";
import { IdentityStore } from "../../gateway/security/identities.ts";

export interface ChaosReport {
  seed: number;
  seconds: number;
  faults: Record<string, number>;
  devices: Array<{ device: string; taken: number; stored: number; journalled: number; lost: number; duplicated: number }>;
  integrity: Record<string, string>;
  /** Longest outage of the gateway or its store, and how long the backlog took to drain after the last one. */
  longestOutageMs: number;
  drainMs: number;
  store: "embedded" | "influxdb";
  aid: {
    /** Crop assessments the gateway accepted during the run. */
    assessments: number;
    /** aid-open notifications, and request ids opened more than once. */
    opened: number;
    withdrawn: number;
    duplicateOpens: string[];
    /** Requests the village withdrew that the hub still shows open: missed withdrawals. */
    missedWithdrawals: string[];
    /** Requests the village has open that the hub lacks or holds at an older version. */
    missingAtHub: string[];
    /** (rule, resource) pairs with more than one open request at the hub. */
    duplicateOpenAtHub: string[];
  };
}

const BOARDS = ["water", "power", "pantry"];

/** mulberry32: a small seeded PRNG, so a chaos run can be replayed exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function kill(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await gone;
}

interface AidRequestView {
  id: string;
  version: number;
  status: string;
  resource: string;
  reason: { rule: string };
}

export async function runChaos(o: {
  seed: number;
  durationMs: number;
  dir: string;
  /** "influxdb" adds influxd outages to the faults. */
  store?: "embedded" | "influxdb";
  log?: (line: string) => void;
}): Promise<ChaosReport> {
  const random = prng(o.seed);
  const say = o.log ?? (() => undefined);
  const storeKind = o.store ?? "embedded";
  const [mqttPort, httpPort, hubMqttPort, hubHttpPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const influxd: Influxd | undefined = storeKind === "influxdb" ? await startInfluxd() : undefined;
  const gwDir = join(o.dir, "gateway");
  const configFile = join(o.dir, "village.json");
  const triggersFile = writeCropRules(o.dir);
  // The village's identity at the hub, enrolled as `npm run enrol -- --village riverbend` would.
  const hubDir = join(o.dir, "hub");
  mkdirSync(hubDir, { recursive: true });
  const hubSecret = await new IdentityStore(hubDir).enrol("riverbend", "village");
  writeFileSync(
    configFile,
    JSON.stringify({
      village: { id: "riverbend", name: "Riverbend", headCount: 180 },
      dataDir: gwDir,
      mqtt: { host: "127.0.0.1", port: mqttPort, requireIdentity: false }, // the agents are not enrolled
      // The crop assessments below are posted by the run itself, without a login.
      http: { host: "127.0.0.1", port: httpPort, anonymousWrites: true },
      nodeRed: { enabled: false },
      ingest: { flushMs: 100 },
      triggersFile,
      federation: { hubUrl: `mqtt://127.0.0.1:${hubMqttPort}`, secret: hubSecret },
      ...(influxd ? { influx: { url: influxd.url, database: "chaos" } } : {}),
    }),
  );
  const gatewayUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const hubApi = `http://127.0.0.1:${hubHttpPort}/api`;
  const api = `http://127.0.0.1:${httpPort}/api`;
  const startHub = () =>
    spawn(process.execPath, ["--import", "tsx", "gateway/hub-main.ts", "--villages", "riverbend", "--host", "127.0.0.1", "--mqtt-port", String(hubMqttPort), "--http-port", String(hubHttpPort), "--data-dir", hubDir], {
      stdio: ["ignore", "ignore", "ignore"],
    });
  const startGateway = () => spawn(process.execPath, ["--import", "tsx", "gateway/main.ts", "--config", configFile], { stdio: ["ignore", "ignore", "ignore"] });
  const startAgent = (board: string) =>
    spawn(process.execPath, ["--import", "tsx", "edge/main.ts", "--board", `boards/${board}.yaml`, "--gateway", gatewayUrl, "--data-dir", join(o.dir, `edge-${board}`), "--sample-interval-ms", "50"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
  const health = async () => (await fetch(`http://127.0.0.1:${httpPort}/api/health`)).ok;

  let hub = startHub();
  let gateway = startGateway();
  const agents = new Map(BOARDS.map((b) => [b, startAgent(b)]));
  const faults: Record<string, number> = {
    "gateway SIGKILL": 0,
    "agent SIGKILL": 0,
    "gateway frozen": 0,
    "federation partitioned": 0,
    "hub SIGKILL": 0,
    ...(influxd ? { "influxd down": 0 } : {}),
  };
  let assessments = 0;
  /**
   * The hub stops answering with the link's TCP connection still open, as when the radio link
   * between villages drops, while the crop assessment swings `swings` times.
   */
  const partition = async (swings = 1) => {
    const ms = 1_000 + random() * 3_000;
    say(`federation partitioned ${Math.round(ms)} ms`);
    hub.kill("SIGSTOP");
    for (let i = 0; i < swings; i++) {
      await sleep(ms / (swings + 1));
      await assess();
    }
    await sleep(ms / (swings + 1));
    hub.kill("SIGCONT");
    faults["federation partitioned"]++;
  };
  /** The food team enters a crop loss: above 20 % opens seed and food requests, a new figure updates them, below 10 % withdraws them. */
  const assess = async () => {
    const value = [40, 55, 5][assessments % 3]; // open, update, withdraw, over and over
    const res = await postCropLoss(`http://127.0.0.1:${httpPort}`, value).catch(() => undefined);
    if (res?.status === 201) assessments++;
  };
  let longestOutageMs = 0;
  let lastOutageEnd = Date.now();
  const started = Date.now();
  try {
    await waitFor("the gateway up", () => health().catch(() => false), { timeoutMs: 60_000 });
    // Every kind of fault once, in a seeded order, then seeded picks: even a short run sees each.
    // The hub restart comes first: a restarted hub forgets what it held, so the end-of-run
    // comparison only judges what it received afterwards.
    const kinds = Object.keys(faults);
    const deck = ["hub SIGKILL", ...kinds.filter((k) => k !== "hub SIGKILL").map((k) => ({ k, r: random() })).sort((a, b) => a.r - b.r).map((x) => x.k)];
    while (Date.now() - started < o.durationMs || deck.length > 0) {
      await sleep(1_000 + random() * 1_500);
      await assess();
      const kind = deck.shift() ?? kinds[Math.floor(random() * kinds.length)];
      if (kind === "gateway SIGKILL") {
        const outage = 500 + random() * 2_500;
        say(`gateway SIGKILL, down ${Math.round(outage)} ms`);
        await kill(gateway, "SIGKILL");
        await sleep(outage);
        gateway = startGateway();
        const t0 = Date.now();
        await waitFor("the gateway back", () => health().catch(() => false), { timeoutMs: 60_000 });
        longestOutageMs = Math.max(longestOutageMs, outage + (Date.now() - t0));
        lastOutageEnd = Date.now();
        faults["gateway SIGKILL"]++;
      } else if (kind === "agent SIGKILL") {
        const board = BOARDS[Math.floor(random() * BOARDS.length)];
        say(`agent ${board} SIGKILL`);
        await kill(agents.get(board), "SIGKILL");
        await sleep(200 + random() * 1_500);
        agents.set(board, startAgent(board));
        faults["agent SIGKILL"]++;
      } else if (kind === "gateway frozen") {
        const frozen = 500 + random() * 2_000;
        say(`gateway frozen ${Math.round(frozen)} ms`);
        gateway.kill("SIGSTOP");
        await sleep(frozen);
        gateway.kill("SIGCONT");
        longestOutageMs = Math.max(longestOutageMs, frozen);
        lastOutageEnd = Date.now();
        faults["gateway frozen"]++;
      } else if (kind === "federation partitioned") {
        await partition();
      } else if (kind === "hub SIGKILL" || !influxd) {
        say("hub SIGKILL and restart: it forgets every request");
        await kill(hub, "SIGKILL");
        await sleep(300 + random() * 1_500);
        hub = startHub();
        faults["hub SIGKILL"]++;
      } else {
        // Minutes in the long run, seconds in the suite's short one.
        const outage = Math.min(180_000, o.durationMs / 10) * (0.5 + random());
        say(`influxd down ${Math.round(outage)} ms`);
        await influxd.stop();
        await sleep(outage);
        const t0 = Date.now();
        await influxd.start();
        longestOutageMs = Math.max(longestOutageMs, outage + (Date.now() - t0));
        lastOutageEnd = Date.now();
        faults["influxd down"]++;
      }
    }
    // The last fault is always a partition during which requests open and are withdrawn: whatever
    // the hub forgot in an earlier restart, these must reach it exactly as the village has them.
    await partition(2);

    // Faults over: the backlog drains while sampling goes on. Measured in the journals themselves
    // (a reading leaves one only when the gateway has stored it), not from the agents' statuses,
    // which come every 30 s.
    const drainStart = Date.now();
    const journalRows = (board: string) => inspectJournal(join(o.dir, `edge-${board}`, `journal-${board}-main.db`)).journalled.length;
    // Below one group commit (100 readings) per agent is live traffic, not backlog.
    await waitFor("journals drained", () => BOARDS.every((b) => journalRows(b) < 200), { timeoutMs: 120_000, intervalMs: 100 });
    const drainMs = Date.now() - Math.max(drainStart, lastOutageEnd);

    // Aid requests: the village's outbox reaches the hub once the link is back; then compare.
    await waitFor("the hub up", () => fetch(`${hubApi}/health`).then((r) => r.ok, () => false), { timeoutMs: 60_000 });
    await waitFor("the federation outbox sent", async () => {
      const h = (await (await fetch(`${api}/health`)).json()) as { components: { federation: { state: string; waiting: number } } };
      return h.components.federation.state === "up" && h.components.federation.waiting === 0;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const villageRequests = (await (await fetch(`${api}/aid-requests`)).json()) as AidRequestView[];
    const notifications = (await (await fetch(`${api}/notifications`)).json()) as Array<{ kind: string; ref: string }>;
    const opens = notifications.filter((n) => n.kind === "aid-open").map((n) => n.ref);
    const duplicateOpens = [...new Set(opens.filter((ref, i) => opens.indexOf(ref) !== i))];
    let hubRequests: AidRequestView[] = [];
    const missing = () => villageRequests.filter((v) => v.status === "open" || v.status === "updated").filter((v) => !hubRequests.some((h) => h.id === v.id && h.version === v.version)).map((v) => v.id);
    // A restarted hub learns the open requests when the link re-announces them on reconnect.
    await waitFor("the hub holding the village's open requests", async () => {
      hubRequests = (await (await fetch(`${hubApi}/federation/requests`)).json()) as AidRequestView[];
      return missing().length === 0;
    }, { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
    const isOpen = (r: AidRequestView) => r.status === "open" || r.status === "updated";
    const missedWithdrawals = villageRequests.filter((v) => !isOpen(v)).filter((v) => hubRequests.some((h) => h.id === v.id && isOpen(h))).map((v) => v.id);
    const openKeys = hubRequests.filter(isOpen).map((h) => `${h.reason.rule}/${h.resource}`);
    const aid: ChaosReport["aid"] = {
      assessments,
      opened: opens.length,
      withdrawn: notifications.filter((n) => n.kind === "aid-withdrawn").length,
      duplicateOpens,
      missedWithdrawals,
      missingAtHub: missing(),
      duplicateOpenAtHub: [...new Set(openKeys.filter((k, i) => openKeys.indexOf(k) !== i))],
    };

    for (const a of agents.values()) await kill(a, "SIGTERM");
    await kill(gateway, "SIGTERM");

    const integrity: Record<string, string> = {};
    const check = (label: string, file: string) => {
      const db = new Database(file, { readonly: true });
      integrity[label] = String(db.pragma("integrity_check", { simple: true }));
      return db;
    };
    const embedded = influxd ? undefined : check("gateway readings.db", join(gwDir, "readings.db"));
    const influx = influxd ? new InfluxStore({ url: influxd.url, database: "chaos" }) : undefined;
    const storedSeqs = async (device: string): Promise<number[]> =>
      embedded ? storedSequences(embedded, device) : influx!.sequences(device);
    const devices: ChaosReport["devices"] = [];
    for (const board of BOARDS) {
      const device = `${board}-main`;
      const journalPath = join(o.dir, `edge-${board}`, `journal-${device}.db`);
      check(`journal ${device}`, journalPath).close();
      const { firstSeq: first, lastSeq: last, journalled: still } = inspectJournal(journalPath);
      const journalled = new Set(still);
      const storedRows = await storedSeqs(device);
      const stored = new Set(storedRows);
      let lost = 0;
      for (let s = first; s <= last; s++) if (!stored.has(s) && !journalled.has(s)) lost++;
      devices.push({ device, taken: last - first + 1, stored: stored.size, journalled: journalled.size, lost, duplicated: storedRows.length - stored.size });
    }
    embedded?.close();
    check("gateway triggers.db", join(gwDir, "triggers.db")).close();
    return { seed: o.seed, seconds: Math.round((Date.now() - started) / 1000), faults, devices, integrity, longestOutageMs: Math.round(longestOutageMs), drainMs, store: storeKind, aid };
  } finally {
    for (const a of agents.values()) await kill(a, "SIGKILL");
    gateway.kill("SIGCONT");
    await kill(gateway, "SIGKILL");
    hub.kill("SIGCONT");
    await kill(hub, "SIGKILL");
    await influxd?.dispose();
  }
}
