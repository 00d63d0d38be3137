// An edge agent process is killed with SIGKILL while it writes its journal; restarted, it replays.
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { inspectJournal } from "../../edge/journal/journal.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { Gateway } from "../../gateway/gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

function startAgent(gatewayUrl: string, dataDir: string): ChildProcess {
  return spawn(
    process.execPath,
    ["--import", "tsx", "edge/main.ts", "--board", "boards/water.yaml", "--gateway", gatewayUrl, "--data-dir", dataDir, "--sample-interval-ms", "20"],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CS_DEVICE_PASSWORD: "" } },
  );
}

async function exitOf(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await gone;
}

describe("edge agent killed with SIGKILL", () => {
  const dir = tempDir();
  let gateway: Gateway;
  let agent: ChildProcess | undefined;
  afterAll(async () => {
    if (agent) await exitOf(agent, "SIGKILL");
    await gateway?.stop();
    dir.remove();
  });

  it("keeps its journal intact and replays: every sequence is stored exactly once or still journalled", async () => {
    const config = parseGatewayConfig(
      { dataDir: join(dir.path, "gw"), mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0 }, ingest: { flushMs: 50 }, nodeRed: { enabled: false } },
      "test",
    );
    gateway = new Gateway({ config, boards: loadBoardDir("boards"), log: testLog });
    await gateway.start();
    const edgeDir = join(dir.path, "edge");

    agent = startAgent(gateway.broker.url, edgeDir);
    await waitFor("readings stored from the first run", async () => (await gateway.store.sequences("water-main")).length > 200);
    await exitOf(agent, "SIGKILL");

    const journalPath = join(edgeDir, "journal-water-main.db");
    const check = new Database(journalPath, { readonly: true });
    expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    check.close();

    const storedBefore = (await gateway.store.sequences("water-main")).length;
    agent = startAgent(gateway.broker.url, edgeDir);
    await waitFor("the second run to store more", async () => (await gateway.store.sequences("water-main")).length > storedBefore + 200);
    await exitOf(agent, "SIGTERM");
    await gateway.ingest.flush();

    const stored = await gateway.store.sequences("water-main");
    const { firstSeq: first, lastSeq: last, journalled } = inspectJournal(journalPath);
    const seen = new Map<number, number>();
    for (const s of [...stored, ...journalled.filter((s) => !stored.includes(s))]) seen.set(s, (seen.get(s) ?? 0) + 1);
    const missing = Array.from({ length: last - first + 1 }, (_, i) => first + i).filter((s) => !seen.has(s));
    expect(missing).toEqual([]);
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.length).toBeGreaterThan(400);
  });
});
