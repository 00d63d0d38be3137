// A gateway on loopback with free ports and a simulated village of edge agents, for end-to-end tests.
import { loadBoardDir } from "../../protocol/board/load.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import type { GatewayConfigInput } from "../../gateway/config/schema.ts";
import { Gateway } from "../../gateway/gateway.ts";
import { SimulatedVillage } from "../../simulation/simulated-village.ts";
import { testLog } from "./test-log.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

let villageCount = 0;

export interface TestVillage {
  gateway: Gateway;
  village: SimulatedVillage;
  dataDir: string;
  /** Every device's journal is empty: all readings acknowledged. */
  drained(): boolean;
  /** For each device, the stored sequences must be exactly 1..last: none lost, none twice. */
  assertComplete(): Promise<{ device: string; readings: number }[]>;
  stop(): Promise<void>;
}

export async function startTestVillage(
  options: { influxUrl?: string; sampleIntervalMs?: number; speed?: number; config?: Partial<GatewayConfigInput> } = {},
): Promise<TestVillage> {
  const dir = tempDir("cs-village-");
  const config = parseGatewayConfig(
    {
      dataDir: dir.path,
      mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false },
      // Writes open on loopback for the end-to-end tests of other things; see test-gateway.ts.
      http: { host: "127.0.0.1", port: 0, anonymousWrites: true },
      ...(options.influxUrl ? { influx: { url: options.influxUrl, database: `village_${++villageCount}` } } : {}),
      ingest: { flushMs: 100 },
      nodeRed: { enabled: false },
      ...options.config,
    },
    "test",
  );
  const boards = loadBoardDir("boards");
  const gateway = new Gateway({ config, boards, log: testLog });
  await gateway.start();
  const village = new SimulatedVillage({
    boards,
    gatewayUrl: gateway.broker.url,
    gatewayKey: gateway.commands.publicKeyPem,
    dataDir: dir.path,
    log: testLog,
    headCount: 180,
    speed: options.speed ?? 60,
    agent: {
      sampleIntervalMs: options.sampleIntervalMs ?? 100,
      journal: { commitEveryMs: 100 },
      publisher: { ackTimeoutMs: 2_000, reconnectPeriodMs: 200 },
    },
  });
  await village.start();
  return {
    gateway,
    village,
    dataDir: dir.path,
    drained: () => village.agents.every((a) => a.journal.stats().pending === 0),
    async assertComplete() {
      const counts = [];
      for (const agent of village.agents) {
        const first = agent.journal.firstSeq;
        const taken = agent.journal.nextSeq - first;
        const stored = await gateway.store.sequences(agent.id);
        const expected = Array.from({ length: taken }, (_, i) => first + i);
        if (stored.length !== expected.length || stored.some((s, i) => s !== expected[i])) {
          const storedSet = new Set(stored);
          const missing = expected.filter((s) => !storedSet.has(s)).slice(0, 10);
          throw new Error(`${agent.id}: stored ${stored.length} of ${taken}; missing ${missing.join(",")}`);
        }
        counts.push({ device: agent.id, readings: taken });
      }
      return counts;
    },
    async stop() {
      await village.stop();
      await gateway.stop();
      dir.remove();
    },
  };
}

export async function drainAndCheck(v: TestVillage, timeoutMs = 30_000) {
  for (const agent of v.village.agents) agent.stopSampling();
  await waitFor("every journal to drain", () => v.drained(), { timeoutMs });
  await v.gateway.ingest.flush();
  return v.assertComplete();
}

