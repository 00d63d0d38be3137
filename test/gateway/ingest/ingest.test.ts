import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import type { ErrorCode } from "../../../protocol/errors.ts";
import { deviceTopic } from "../../../protocol/topics.ts";
import type { Gateway } from "../../../gateway/gateway.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { getJson } from "../../helpers/get-json.ts";

const TS = Date.UTC(2026, 10, 22, 10, 0, 0);
const good = (seq: number, over: Record<string, unknown> = {}) => ({
  seq, sensor: "tank-north-level", value: 5000 + seq, unit: "L", quality: "good", ts: TS + seq * 1000, clock: "synced", ...over,
});

describe("ingest", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let gateway: Gateway;
  let client: MqttClient;
  const acks: { ranges: [number, number][] }[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ ingest: { maxPayloadBytes: 4096, flushMs: 20 } });
    gateway = gw.gateway;
    client = await mqtt.connectAsync(gateway.broker.url, { clientId: "water-main" });
    await client.subscribeAsync(deviceTopic("ack", "water-main"), { qos: 1 });
    client.on("message", (_t, p) => acks.push(JSON.parse(p.toString())));
  });
  afterAll(async () => {
    await client?.endAsync();
    await gw?.stop();
  });

  it("stores a valid batch and only then acknowledges its sequence numbers", async () => {
    await client.publishAsync(deviceTopic("readings", "water-main"), JSON.stringify({ device: "water-main", readings: [good(1), good(2), good(3)] }), { qos: 1 });
    await waitFor("an acknowledgement", () => acks.length > 0);
    expect(acks[0].ranges).toEqual([[1, 3]]);
    expect(await gateway.store.sequences("water-main")).toEqual([1, 2, 3]);
  });

  it("acknowledges a resent batch again without writing it twice", async () => {
    const before = gateway.ingest.counters.stored;
    await client.publishAsync(deviceTopic("readings", "water-main"), JSON.stringify({ device: "water-main", readings: [good(2), good(3)] }), { qos: 1 });
    await waitFor("a second acknowledgement", () => acks.length > 1);
    expect(acks[1].ranges).toEqual([[2, 3]]);
    expect(gateway.ingest.counters.stored).toBe(before);
    expect(gateway.ingest.counters.duplicates).toBe(2);
  });

  it("stores a message's readings out of order, and a reading it names twice once, as first named", async () => {
    const before = gateway.ingest.counters.duplicates;
    await client.publishAsync(deviceTopic("readings", "water-main"), JSON.stringify({ device: "water-main", readings: [good(6), good(4), good(5), good(4, { value: 1 })] }), { qos: 1 });
    await waitFor("a third acknowledgement", () => acks.length > 2);
    expect(acks[2].ranges).toEqual([[4, 6]]);
    expect(gateway.ingest.counters.duplicates).toBe(before + 1);
    expect(await gateway.store.sequences("water-main")).toEqual([1, 2, 3, 4, 5, 6]);
    const four = (await gateway.store.query({ sensor: "tank-north-level", fromMs: TS + 4000, toMs: TS + 4000 }))[0];
    expect(four.value).toBe(5004);
  });

  it("shows a device's journal overflow and its warnings in /api/health, from its status message", async () => {
    const warning = "fill-valve did not report open within 30s: check the valve motor and its end switch";
    const status = { device: "water-main", online: true, ts: Date.now(), journal: { pending: 1200, overflowDropped: 37, bytes: 65536 }, warnings: [warning] };
    await client.publishAsync(deviceTopic("status", "water-main"), JSON.stringify(status), { qos: 1, retain: true });
    const health = await waitFor("the device status", async () => {
      const { body } = await getJson(`${gateway.http.url}/api/health`);
      const water = body.devices.find((d: { device: string }) => d.device === "water-main");
      return water.journal ? water : undefined;
    });
    expect(health).toMatchObject({ online: true, journal: { pending: 1200, overflowDropped: 37 }, warnings: [warning] });
  });

  const badInputs: { name: string; topicDevice?: string; payload: string | Buffer; code: ErrorCode }[] = [
    { name: "a payload that is not JSON", payload: "{not json", code: "CS_ERR_PAYLOAD_NOT_JSON" },
    { name: "an oversized payload", payload: Buffer.alloc(5000, 0x20), code: "CS_ERR_PAYLOAD_TOO_LARGE" },
    { name: "a reading without a sequence number", payload: JSON.stringify({ device: "water-main", readings: [{ ...good(9), seq: undefined }] }), code: "CS_ERR_PAYLOAD_SCHEMA" },
    { name: "an impossible unit", payload: JSON.stringify({ device: "water-main", readings: [good(9, { unit: "furlongs" })] }), code: "CS_ERR_PAYLOAD_SCHEMA" },
    { name: "a good reading with no value", payload: JSON.stringify({ device: "water-main", readings: [good(9, { value: null })] }), code: "CS_ERR_PAYLOAD_SCHEMA" },
    { name: "a unit other than the sensor's", payload: JSON.stringify({ device: "water-main", readings: [good(9, { unit: "kg" })] }), code: "CS_ERR_UNIT_MISMATCH" },
    { name: "an undeclared sensor", payload: JSON.stringify({ device: "water-main", readings: [good(9, { sensor: "tank-west" })] }), code: "CS_ERR_SENSOR_UNKNOWN" },
    { name: "an unknown device", topicDevice: "ghost", payload: JSON.stringify({ device: "ghost", readings: [good(9)] }), code: "CS_ERR_DEVICE_UNKNOWN" },
    { name: "a payload naming another device than its topic", payload: JSON.stringify({ device: "power-main", readings: [good(9)] }), code: "CS_ERR_DEVICE_MISMATCH" },
  ];

  for (const bad of badInputs) {
    it(`rejects ${bad.name} with ${bad.code}, counts it in /api/health, and changes nothing stored`, async () => {
      const storedBefore = await gateway.store.sequences("water-main");
      const latestBefore = await gateway.store.latest();
      const countBefore = gateway.ingest.counters.rejected[bad.code] ?? 0;
      await client.publishAsync(deviceTopic("readings", bad.topicDevice ?? "water-main"), bad.payload, { qos: 1 });
      await waitFor(`${bad.code} to be counted`, () => (gateway.ingest.counters.rejected[bad.code] ?? 0) === countBefore + 1);
      await gateway.ingest.flush();
      expect(await gateway.store.sequences("water-main")).toEqual(storedBefore);
      expect(await gateway.store.latest()).toEqual(latestBefore);
      const { body: health } = await getJson(`${gateway.http.url}/api/health`);
      expect(health.components.ingest.rejected[bad.code]).toBe(countBefore + 1);
    });
  }
});
