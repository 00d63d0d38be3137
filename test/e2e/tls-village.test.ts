// The village broker over TLS (mqtt.tls), for boards whose link leaves the building: an edge agent
// that trusts the village CA stores its readings; one that trusts another CA stores nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { EdgeAgent } from "../../edge/agent.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { makeTestCerts, type TestCerts } from "../helpers/test-certs.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("village broker over TLS", () => {
  let certs: TestCerts;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const dir = tempDir("cs-tls-edge-");

  beforeAll(async () => {
    certs = makeTestCerts();
    gw = await startTestGateway({ mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false, tls: { certFile: certs.certFile, keyFile: certs.keyFile } }, ingest: { flushMs: 50 } });
  });
  afterAll(async () => {
    await gw?.stop();
    certs?.remove();
    dir.remove();
  });

  const agent = (board: string, ca: string, sub: string) =>
    new EdgeAgent({
      board: loadBoardFile(`boards/${board}.yaml`).board,
      gatewayUrl: gw.gateway.broker.url,
      dataDir: `${dir.path}/${sub}`,
      log: testLog,
      sampleIntervalMs: 100,
      publisher: { ca: readFileSync(ca), reconnectPeriodMs: 200 },
    });

  it("stores the readings of an agent that trusts the village CA, and nothing from one that trusts another", async () => {
    expect(gw.gateway.broker.url).toMatch(/^mqtts:/);
    const trusted = agent("water", certs.caFile, "trusted");
    const stranger = agent("pantry", certs.otherCaFile, "stranger");
    await trusted.start();
    await stranger.start();
    try {
      await waitFor("water readings stored over TLS", async () => (await gw.gateway.store.sequences("water-main")).length >= 20, { timeoutMs: 20_000 });
      expect(await gw.gateway.store.sequences("pantry-main")).toEqual([]);
      expect(stranger.publisher.connected).toBe(false);
    } finally {
      await trusted.stop();
      await stranger.stop();
    }
  });
});
