// Reserve figures kept as history (issue: dashboards and alarms a village cannot miss or misread):
// every reserves.historyMinutes on the gateway's clock, days left and stocks become readings of the
// gateway's own device "reserve-figures", readable like any sensor; a missing figure is kept as
// missing, never as 0, and an uncertain one carries its reasons.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { Gateway } from "../../../gateway/gateway.ts";
import { parseGatewayConfig } from "../../../gateway/config/load.ts";
import { loadBoardDir } from "../../../protocol/board/load.ts";
import { deviceTopic } from "../../../protocol/topics.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { getJson } from "../../helpers/get-json.ts";

describe("reserve figures kept as history", () => {
  const dir = tempDir();
  const clock = { now: Date.UTC(2026, 11, 1, 8, 0, 0) };
  let gateway: Gateway;
  let device: mqtt.MqttClient;
  let seq = 0;
  /** Publishes the three tanks and waits until the gateway has stored them, before the clock moves on. */
  const publishTanks = async (litres: number) => {
    const reading = (sensor: string, value: number) => ({ seq: ++seq, sensor, value, unit: "L", quality: "good", ts: clock.now, clock: "synced" });
    await device.publishAsync(deviceTopic("readings", "water-main"), JSON.stringify({ device: "water-main", readings: [reading("tank-north-level", litres), reading("tank-south-level", litres), reading("cistern-level", 3 * litres)] }), { qos: 1 });
    await waitFor(`${litres} L stored`, async () => (await gateway.store.latest()).some((r) => r.sensor === "cistern-level" && r.value === 3 * litres));
  };
  const history = async (sensor: string) => (await getJson(`${gateway.http.url}/api/readings?sensor=${sensor}&from=2026-11-30T00:00:00Z&to=2026-12-02T00:00:00Z`)).body.readings;

  beforeAll(async () => {
    const config = parseGatewayConfig({
      dataDir: dir.path, mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0 }, nodeRed: { enabled: false },
      reserves: { historyMinutes: 10 },
    }, "test");
    gateway = new Gateway({ config, boards: loadBoardDir("boards"), log: testLog, now: () => clock.now });
    await gateway.start();
    device = await mqtt.connectAsync(gateway.broker.url, { clientId: "water-main" });
  });
  afterAll(async () => {
    await device?.endAsync();
    await gateway?.stop();
    dir.remove();
  });

  it("keeps days left and the water stock every 10 minutes of the gateway's clock, and no oftener", async () => {
    await publishTanks(2_000);
    await waitFor("the first figures kept", async () => (await history("water-stock")).length === 1);
    clock.now += 5 * 60_000;
    await publishTanks(1_900);
    clock.now += 6 * 60_000;
    await publishTanks(1_800);
    await waitFor("the second figures kept", async () => (await history("water-stock")).length === 2);
    const stock = await history("water-stock");
    expect(stock.map((r: { value: number }) => r.value)).toEqual([10_000, 9_000]);
    // Every tank read: the stock is measured, and carries no warning.
    expect(stock[0]).toMatchObject({ unit: "L", quality: "good" });
    expect(stock[0]).not.toHaveProperty("warning");
    const days = await history("water-days-left");
    expect(days[0]).toMatchObject({ unit: "days", quality: "estimate" }); // resting on the norm, and marked so
    expect(days[0].value).toBeCloseTo(10_000 / (180 * 15), 2); // at the norm while history is short
    expect(days[0].warning).toMatch(/norm-based figure used/);
  });

  it("keeps a figure no sensor supports as missing, never as 0", async () => {
    const soc = await history("power-days-left");
    expect(soc.length).toBeGreaterThan(0);
    for (const r of soc) expect(r).toMatchObject({ value: null, quality: "invalid" });
    expect(soc[0].warning).toMatch(/battery-soc: no reading yet/);
  });
});
