// /api/health tells the truth about the village, not only about the gateway's own parts: "ok" only
// while every device is online and every sensor heard from is valid and recent; otherwise
// "degraded", naming each device and sensor. Devices speak over real MQTT to the real broker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { deviceTopic } from "../../../protocol/topics.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { getJson } from "../../helpers/get-json.ts";
import { waitFor } from "../../helpers/wait-for.ts";

const DEVICES = ["greenhouse-main", "pantry-main", "power-main", "water-main"];

describe("/api/health", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const clients = new Map<string, MqttClient>();
  let seq = 0;
  const health = async () => {
    const { status, body } = await getJson(`${gw.gateway.http.url}/api/health`);
    return { code: status, ...(body as { status: string; problems: string[] }) };
  };
  const status = (device: string, online: boolean) =>
    clients.get(device)!.publishAsync(deviceTopic("status", device), JSON.stringify({ device, online, ts: Date.now(), journal: { pending: 0, overflowDropped: 0, bytes: 0 }, warnings: [] }), { qos: 1, retain: true });
  const tank = (value: number | null, warning?: string) =>
    clients.get("water-main")!.publishAsync(
      deviceTopic("readings", "water-main"),
      JSON.stringify({ device: "water-main", readings: [{ seq: ++seq, sensor: "tank-north-level", value, unit: "L", quality: value === null ? "invalid" : "good", ts: Date.now(), clock: "synced", ...(warning ? { warning } : {}) }] }),
      { qos: 1 },
    );

  beforeAll(async () => {
    gw = await startTestGateway({ ingest: { flushMs: 20 } });
    for (const d of DEVICES) clients.set(d, await mqtt.connectAsync(gw.gateway.broker.url, { clientId: d }));
  });
  afterAll(async () => {
    for (const c of clients.values()) await c.endAsync();
    await gw?.stop();
  });

  it("is degraded while no device has connected, naming each, yet answers 200: the gateway itself is fine", async () => {
    const h = await health();
    expect(h).toMatchObject({ code: 200, status: "degraded" });
    for (const d of DEVICES) expect(h.problems).toContain(`device ${d} has never connected`);
  });

  it("is ok once every device is online and every sensor heard from is good", async () => {
    for (const d of DEVICES) await status(d, true);
    await tank(5000);
    await waitFor("ok", async () => (await health()).status === "ok");
    expect((await health()).problems).toEqual([]);
  });

  it("names an invalid sensor, with the device's own reason, until it reads good again", async () => {
    await tank(null, "ultrasonic echo lost: check the sensor's view of the water");
    const h = await waitFor("degraded", async () => {
      const x = await health();
      return x.status === "degraded" ? x : undefined;
    });
    expect(h.problems).toEqual(["sensor tank-north-level invalid (ultrasonic echo lost: check the sensor's view of the water)"]);
    expect(h.code).toBe(200);
    await tank(5100);
    await waitFor("ok again", async () => (await health()).status === "ok");
  });

  it("names a device that went offline, with when it was last heard", async () => {
    await status("power-main", false);
    const h = await waitFor("degraded", async () => {
      const x = await health();
      return x.status === "degraded" ? x : undefined;
    });
    expect(h.problems).toEqual([expect.stringMatching(/^device power-main offline \(last heard \d{4}-\d\d-\d\dT/)]);
  });
});
