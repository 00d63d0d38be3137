// Broker access with identities required: enrolment, connect refusals with their CONNACK codes,
// and an authorisation matrix generated from the ACL (at least 200 forbidden attempts, none
// accepted, each logged and counted in /api/health). A revoked identity is dropped and reads no
// retained message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { getJson } from "../../helpers/get-json.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { canPublish, canSubscribe } from "../../../gateway/security/acl.ts";
import { IdentityStore } from "../../../gateway/security/identities.ts";

const DEVICES = ["water-main", "power-main", "pantry-main", "greenhouse-main"];

async function connect(url: string, opts: mqtt.IClientOptions): Promise<{ client?: MqttClient; code?: number }> {
  try {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
    return { client };
  } catch (err) {
    return { code: (err as { code?: number }).code };
  }
}

describe("broker access with identities", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const secrets = new Map<string, string>();
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    // A village configuration that says nothing about identities requires them (the default).
    gw = await startTestGateway({ mqtt: { host: "127.0.0.1", port: 0 } });
    expect(gw.gateway.broker.health().access).toBe("identities");
    for (const d of DEVICES) secrets.set(d, await gw.gateway.identities!.enrol(d, "device"));
    secrets.set("dashboard", await gw.gateway.identities!.enrol("dashboard", "observer"));
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await gw.stop();
  });

  const as = async (name: string) => {
    const { client } = await connect(gw.gateway.broker.url, { clientId: `${name}:t-${clients.length}`, username: name, password: secrets.get(name) });
    clients.push(client!);
    return client!;
  };

  it("keeps only a scrypt hash of each secret", () => {
    const stored = gw.gateway.identities!.get("water-main")!;
    expect(stored.secretHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(stored.secretHash).not.toContain(secrets.get("water-main"));
  });

  it("refuses unknown identities, wrong secrets, no identity and ids with wildcards [MQTT-3.2.2-*]", async () => {
    const url = gw.gateway.broker.url;
    expect((await connect(url, { clientId: "x1" })).code).toBe(5); // not authorised
    expect((await connect(url, { clientId: "water-main", username: "water-main", password: "guess" })).code).toBe(4); // bad user name or password
    expect((await connect(url, { clientId: "ghost", username: "ghost", password: "x" })).code).toBe(4);
    expect((await connect(url, { clientId: "evil/#", username: "water-main", password: secrets.get("water-main") })).code).toBe(2); // identifier rejected
    expect((await connect(url, { clientId: "x4", username: "water+main", password: "x" })).code).toBe(2);
    const ok = await connect(url, { clientId: "water-main:edge", username: "water-main", password: secrets.get("water-main") });
    expect(ok.client?.connected).toBe(true);
    await ok.client!.endAsync();
  });

  it("an authorisation matrix from the ACL: every forbidden publish and subscribe is refused and logged", async () => {
    const identities = [...DEVICES, "dashboard"];
    const topics = [
      ...DEVICES.flatMap((d) => ["readings", "status", "command-replies", "commands", "ack"].map((k) => `cs/v1/dev/${d}/${k}`)),
      "$SYS/broker/uptime", "cs/v1/village/riverbend/notifications", "cs/v1/fed/riverbend/aid-requests", "anything/else",
      "cs/v1/village/riverbend/state/tank-north-level", "homeassistant/sensor/cs_riverbend/tank_north_level/config",
    ];
    const filters = [...topics, "#", "+", "+/+", "cs/#", "cs/v1/dev/+/readings", "cs/v1/dev/+/commands", "cs/v1/dev/+/+", "$SYS/#", "homeassistant/#", "cs/v1/village/riverbend/state/#"];
    const before = { ...gw.gateway.broker.refusedCount };
    let forbidden = 0;
    let accepted = 0;
    for (const name of identities) {
      const identity = gw.gateway.identities!.get(name)!;
      const client = await as(name);
      const refusedFilters = filters.filter((f) => !canSubscribe(identity, f));
      // MQTT.js rejects a SUBACK made only of failures (0x80); the packet says what was granted.
      const granted = await client.subscribeAsync(refusedFilters, { qos: 1 }).then(
        (g) => g.map((x) => x.qos),
        (err: { packet?: { granted: number[] } }) => err.packet!.granted,
      );
      expect(granted).toHaveLength(refusedFilters.length);
      forbidden += granted.length;
      accepted += granted.filter((qos) => qos !== 128).length;
      // Each forbidden publish closes the connection (QoS 1 refused [MQTT-3.3.5-2]): one client each.
      for (const topic of topics.filter((t) => !canPublish(identity, t))) {
        const c = await as(name);
        forbidden++;
        const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
        c.publish(topic, "{}", { qos: 1 });
        await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000))]);
      }
    }
    const refused = gw.gateway.broker.refusedCount;
    const refusedNow = refused.publish - before.publish + refused.subscribe - before.subscribe;
    expect(forbidden).toBeGreaterThanOrEqual(200);
    expect(accepted).toBe(0);
    expect(refusedNow).toBe(forbidden); // every attempt refused and logged, none slipped through
    const { body } = await getJson(`${gw.gateway.http.url}/api/health`);
    expect(body.components.broker).toMatchObject({ access: "identities" });
    expect(body.components.broker.refused.publish + body.components.broker.refused.subscribe).toBeGreaterThanOrEqual(forbidden);
    expect(body.components.broker.lastRefusals.at(-1)).toMatchObject({ identity: "dashboard", action: "publish" });
    // Nothing a client was refused reached the store.
    expect(await gw.gateway.store.latest()).toEqual([]);
  }, 120_000);

  it("lets a device do what it must: publish its readings and hear its acknowledgements", async () => {
    const client = await as("water-main");
    const acks: string[] = [];
    await client.subscribeAsync("cs/v1/dev/water-main/ack", { qos: 1 });
    client.on("message", (topic) => acks.push(topic));
    const readings = [{ seq: 1, sensor: "tank-north-level", value: 5000, unit: "L", quality: "good", ts: Date.now(), clock: "synced" }];
    await client.publishAsync("cs/v1/dev/water-main/readings", JSON.stringify({ device: "water-main", readings }), { qos: 1 });
    await waitFor("the acknowledgement", () => acks.length > 0);
  });

  it("an identity may use only its own client id: an observer cannot push a board off the broker", async () => {
    const board = (await connect(gw.gateway.broker.url, { clientId: "pantry-main", username: "pantry-main", password: secrets.get("pantry-main") })).client!;
    clients.push(board);
    let boardClosed = false;
    board.on("close", () => (boardClosed = true));
    for (const clientId of ["pantry-main", "pantry-main:x", "water-main"]) {
      expect((await connect(gw.gateway.broker.url, { clientId, username: "dashboard", password: secrets.get("dashboard") })).code, clientId).toBe(2);
    }
    // The board took no harm: it still publishes and is answered.
    const acks: string[] = [];
    await board.subscribeAsync("cs/v1/dev/pantry-main/ack", { qos: 1 });
    board.on("message", (topic) => acks.push(topic));
    await board.publishAsync("cs/v1/dev/pantry-main/readings", JSON.stringify({ device: "pantry-main", readings: [{ seq: 1, sensor: "grain-bin", value: 500, unit: "kg", quality: "good", ts: Date.now(), clock: "synced" }] }), { qos: 1 });
    await waitFor("the board's acknowledgement", () => acks.length > 0);
    expect(boardClosed).toBe(false);
    expect(gw.gateway.broker.refused.filter((r) => r.action === "connect" && r.reason.includes("is not identity dashboard's")).length).toBe(3);
  });

  it("a revoked identity is dropped at once and cannot reconnect, so it reads no retained message", async () => {
    const observer = await as("dashboard");
    gw.gateway.broker.publish("cs/v1/dev/pantry-main/status", JSON.stringify({ retained: true }), { qos: 1, retain: true });
    const closed = new Promise<void>((resolve) => observer.once("close", () => resolve()));
    // `npm run enrol -- --revoke dashboard` in another process: a store of its own on the same file.
    new IdentityStore(gw.gateway.config.dataDir).revoke("dashboard");
    await closed;
    expect((await connect(gw.gateway.broker.url, { clientId: "dashboard", username: "dashboard", password: secrets.get("dashboard") })).code).toBe(4);
  });
});

describe("npm run enrol", () => {
  it("writes the edge's credentials with mode 0600 and keeps only a hash at the gateway; an agent connects with them", async () => {
    const { spawnSync } = await import("node:child_process");
    const { readFileSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tempDir } = await import("../../helpers/temp-dir.ts");
    const { EdgeAgent } = await import("../../../edge/agent.ts");
    const { loadBoardFile } = await import("../../../protocol/board/load.ts");
    const { testLog } = await import("../../helpers/test-log.ts");
    const dir = tempDir();
    const run = spawnSync(process.execPath, ["--import", "tsx", "gateway/security/enrol-main.ts", "--board", "boards/water.yaml", "--data-dir", join(dir.path, "gw"), "--out", join(dir.path, "edge")], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const file = join(dir.path, "edge", "credentials-water-main.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, "utf8")) as { username: string; password: string };
    expect(credentials.username).toBe("water-main");
    expect(readFileSync(join(dir.path, "gw", "identities.json"), "utf8")).not.toContain(credentials.password);

    const gw = await startTestGateway({ dataDir: join(dir.path, "gw"), mqtt: { host: "127.0.0.1", port: 0, requireIdentity: true } });
    const agent = new EdgeAgent({ board: loadBoardFile("boards/water.yaml").board, gatewayUrl: gw.gateway.broker.url, dataDir: join(dir.path, "edge"), log: testLog, sampleIntervalMs: 100, ...credentials });
    await agent.start();
    await waitFor("readings stored from the enrolled agent", async () => (await gw.gateway.store.sequences("water-main")).length > 5);
    await agent.stop();
    await gw.stop();
    dir.remove();
  }, 60_000);

  it("a board enrolled while the gateway runs connects without a restart", async () => {
    const { spawnSync } = await import("node:child_process");
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tempDir } = await import("../../helpers/temp-dir.ts");
    const dir = tempDir();
    const gw = await startTestGateway({ dataDir: join(dir.path, "gw"), mqtt: { host: "127.0.0.1", port: 0, requireIdentity: true } });
    try {
      const run = spawnSync(process.execPath, ["--import", "tsx", "gateway/security/enrol-main.ts", "--board", "boards/power.yaml", "--data-dir", join(dir.path, "gw"), "--out", dir.path], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      const credentials = JSON.parse(readFileSync(join(dir.path, "credentials-power-main.json"), "utf8")) as { username: string; password: string };
      const connected = await waitFor(
        "the new identity accepted",
        async () => (await connect(gw.gateway.broker.url, { clientId: "power-main", ...credentials })).client,
        { timeoutMs: 10_000, intervalMs: 200 },
      );
      expect(connected.connected).toBe(true);
      await connected.endAsync();
    } finally {
      await gw.stop();
      dir.remove();
    }
  }, 60_000);
});
