// Seeded chaos against a village of real processes on loopback: a gateway and three edge agents,
// with SIGKILL of the gateway, SIGKILL of an agent mid-journal-write and a frozen gateway
// (SIGSTOP, like a broker that stops answering with messages in flight), at seeded times. When
// the faults stop, every reading an agent took must be in the store or still in its journal:
// counted by (device, sequence), with SQLite integrity checks on every database.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { freePort } from "../helpers/free-port.ts";
import { waitFor } from "../helpers/wait-for.ts";

export interface ChaosReport {
  seed: number;
  seconds: number;
  faults: Record<string, number>;
  devices: Array<{ device: string; taken: number; stored: number; journalled: number; lost: number; duplicated: number }>;
  integrity: Record<string, string>;
  /** Longest gateway outage, and how long the backlog took to drain after the last one. */
  longestOutageMs: number;
  drainMs: number;
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

export async function runChaos(o: { seed: number; durationMs: number; dir: string; log?: (line: string) => void }): Promise<ChaosReport> {
  const random = prng(o.seed);
  const say = o.log ?? (() => undefined);
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const gwDir = join(o.dir, "gateway");
  const configFile = join(o.dir, "village.json");
  writeFileSync(configFile, JSON.stringify({ dataDir: gwDir, mqtt: { host: "127.0.0.1", port: mqttPort }, http: { host: "127.0.0.1", port: httpPort }, nodeRed: { enabled: false }, ingest: { flushMs: 100 } }));
  const gatewayUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const startGateway = () => spawn(process.execPath, ["--import", "tsx", "gateway/main.ts", "--config", configFile], { stdio: ["ignore", "ignore", "ignore"] });
  const startAgent = (board: string) =>
    spawn(process.execPath, ["--import", "tsx", "edge/main.ts", "--board", `boards/${board}.yaml`, "--gateway", gatewayUrl, "--data-dir", join(o.dir, `edge-${board}`), "--sample-interval-ms", "50"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
  const health = async () => (await fetch(`http://127.0.0.1:${httpPort}/api/health`)).ok;

  let gateway = startGateway();
  const agents = new Map(BOARDS.map((b) => [b, startAgent(b)]));
  const faults: Record<string, number> = { "gateway SIGKILL": 0, "agent SIGKILL": 0, "gateway frozen": 0 };
  let longestOutageMs = 0;
  let lastOutageEnd = Date.now();
  const started = Date.now();
  try {
    await waitFor("the gateway up", () => health().catch(() => false), { timeoutMs: 60_000 });
    while (Date.now() - started < o.durationMs) {
      await sleep(1_500 + random() * 2_500);
      const pick = random();
      if (pick < 0.35) {
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
      } else if (pick < 0.75) {
        const board = BOARDS[Math.floor(random() * BOARDS.length)];
        say(`agent ${board} SIGKILL`);
        await kill(agents.get(board), "SIGKILL");
        await sleep(200 + random() * 1_500);
        agents.set(board, startAgent(board));
        faults["agent SIGKILL"]++;
      } else {
        const frozen = 500 + random() * 2_000;
        say(`gateway frozen ${Math.round(frozen)} ms`);
        gateway.kill("SIGSTOP");
        await sleep(frozen);
        gateway.kill("SIGCONT");
        longestOutageMs = Math.max(longestOutageMs, frozen);
        lastOutageEnd = Date.now();
        faults["gateway frozen"]++;
      }
    }
    // Faults over: the backlog drains while sampling goes on. Measured in the journals themselves
    // (a reading leaves one only when the gateway has stored it), not from the agents' statuses,
    // which come every 30 s.
    const drainStart = Date.now();
    const journalRows = (board: string) => {
      const db = new Database(join(o.dir, `edge-${board}`, `journal-${board}-main.db`), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM readings").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    // Below one group commit (100 readings) per agent is live traffic, not backlog.
    await waitFor("journals drained", () => BOARDS.every((b) => journalRows(b) < 200), { timeoutMs: 120_000, intervalMs: 100 });
    const drainMs = Date.now() - Math.max(drainStart, lastOutageEnd);
    for (const a of agents.values()) await kill(a, "SIGTERM");
    await kill(gateway, "SIGTERM");

    const integrity: Record<string, string> = {};
    const check = (label: string, file: string) => {
      const db = new Database(file, { readonly: true });
      integrity[label] = String(db.pragma("integrity_check", { simple: true }));
      return db;
    };
    const store = check("gateway readings.db", join(gwDir, "readings.db"));
    const devices: ChaosReport["devices"] = [];
    for (const board of BOARDS) {
      const device = `${board}-main`;
      const journal = check(`journal ${device}`, join(o.dir, `edge-${board}`, `journal-${device}.db`));
      const meta = (key: string) => Number((journal.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string }).value);
      const first = meta("firstSeq");
      const last = meta("seq");
      const journalled = new Set((journal.prepare("SELECT seq FROM readings").all() as { seq: number }[]).map((r) => r.seq));
      journal.close();
      const storedRows = store.prepare("SELECT seq FROM readings WHERE device = ?").all(device) as { seq: number }[];
      const stored = new Set(storedRows.map((r) => r.seq));
      let lost = 0;
      for (let s = first; s <= last; s++) if (!stored.has(s) && !journalled.has(s)) lost++;
      devices.push({ device, taken: last - first + 1, stored: stored.size, journalled: journalled.size, lost, duplicated: storedRows.length - stored.size });
    }
    store.close();
    check("gateway triggers.db", join(gwDir, "triggers.db")).close();
    return { seed: o.seed, seconds: Math.round((Date.now() - started) / 1000), faults, devices, integrity, longestOutageMs: Math.round(longestOutageMs), drainMs };
  } finally {
    for (const a of agents.values()) await kill(a, "SIGKILL");
    gateway.kill("SIGCONT");
    await kill(gateway, "SIGKILL");
  }
}
