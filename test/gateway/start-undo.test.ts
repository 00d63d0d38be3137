// A gateway whose start fails part-way (its HTTP port is taken) stops what it had started before it
// throws: its broker no longer listens, its databases are closed, and the same data directory
// starts at once in a gateway that can bind (issue: the composition root... starting undoes itself).
// Putting a gateway together touches nothing on disk: files and directories are read or made when
// it starts, where a problem stops the start with every problem named.
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
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

  it("is put together without touching the disk; its start names every problem in the files it names", async () => {
    const data = join(dir.path, "not-yet");
    const rules = join(dir.path, "rules.yaml");
    const config = parseGatewayConfig({
      dataDir: data,
      triggersFile: rules,
      mqtt: { host: "127.0.0.1", port: 0, requireIdentity: true },
      http: { host: "127.0.0.1", port: 0 },
      nodeRed: { enabled: false },
      federation: { hubUrl: "mqtt://127.0.0.1:1", tls: { caFile: join(dir.path, "no-ca.crt") } },
      alarms: { sms: { gammuConfig: join(dir.path, "no-smsdrc"), numbers: ["+15550100"] } },
    }, "village.yaml");
    const gateway = new Gateway({ config, boards, log: testLog, configSource: "village.yaml" });
    expect(existsSync(data), "no data directory made by the constructor").toBe(false);
    const failed = await gateway.start().then(() => undefined, (err: Error) => err);
    expect(failed?.message).toMatch(/village\.yaml: federation\.tls\.caFile: .*no-ca\.crt cannot be read/);
    expect(failed?.message).toMatch(/village\.yaml: alarms\.sms\.gammuConfig: .*no-smsdrc cannot be read/);
    // The files there, the rule file is read at start too, and a broken one stops it.
    writeFileSync(join(dir.path, "no-ca.crt"), "");
    writeFileSync(join(dir.path, "no-smsdrc"), "[smsd]\n");
    writeFileSync(rules, "rules: [ {");
    const again = new Gateway({ config, boards, log: testLog, configSource: "village.yaml" });
    await expect(again.start()).rejects.toThrow(/rules\.yaml/);
  });

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
