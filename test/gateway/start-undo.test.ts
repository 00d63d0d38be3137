// A gateway whose start fails part-way (its HTTP port is taken) stops what it had started before it
// throws: its broker no longer listens, its databases are closed, and the same data directory
// starts at once in a gateway that can bind (issue: the composition root... starting undoes itself).
import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import mqtt from "mqtt";
import { Gateway } from "../../gateway/gateway.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { freePort } from "../helpers/free-port.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";

describe("a gateway start that fails part-way", () => {
  const dir = tempDir();
  const boards = loadBoardDir("boards");
  afterAll(() => dir.remove());

  it("undoes itself: the broker's port is free again, and the data directory starts in the next gateway", async () => {
    const taken = createServer();
    const httpPort = await new Promise<number>((resolve) => taken.listen(0, "127.0.0.1", () => resolve((taken.address() as { port: number }).port)));
    const mqttPort = await freePort();
    const config = (http: number) => parseGatewayConfig({ dataDir: dir.path, mqtt: { host: "127.0.0.1", port: mqttPort, requireIdentity: false }, http: { host: "127.0.0.1", port: http }, nodeRed: { enabled: false } }, "test");
    const first = new Gateway({ config: config(httpPort), boards, log: testLog });
    await expect(first.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
    taken.close();
    // Nothing listens on the broker's port any more.
    const refused = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0, connectTimeout: 2_000 }).then(
      async (c) => (await c.endAsync(), false),
      () => true,
    );
    expect(refused, "the failed gateway's broker stopped").toBe(true);
    // The same data directory (its trigger state and store) and the same MQTT port serve again.
    const second = new Gateway({ config: config(0), boards, log: testLog });
    await second.start();
    const client = await mqtt.connectAsync(second.broker.url, { reconnectPeriod: 0 });
    await client.endAsync();
    await second.stop();
  });
});
