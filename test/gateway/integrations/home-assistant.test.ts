// Home Assistant sees what the village measures (issue: one home for what both sides share...,
// neighbours in the ecosystem): retained MQTT discovery configs for every sensor and reserve figure,
// and each sensor's latest reading on a retained state topic, with invalid readings marked so HA
// shows the entity unavailable rather than 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { deviceTopic, villageTopics } from "../../../protocol/topics.ts";
import { homeAssistantSensorProblems } from "../../helpers/home-assistant-sensor-rules.ts";

describe("Home Assistant MQTT discovery", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let ha: mqtt.MqttClient;
  const configs = new Map<string, Record<string, unknown>>();
  const states = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    gw = await startTestGateway({ village: { id: "riverbend", name: "Riverbend", headCount: 180 }, homeAssistant: { discovery: true } });
    // HA connects after the gateway: the retained configs are there for it.
    ha = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "home-assistant" });
    ha.on("message", (topic, payload) => {
      if (topic.startsWith("homeassistant/")) configs.set(topic, JSON.parse(payload.toString()));
      else states.set(topic, villageTopics.state.parse(JSON.parse(payload.toString()))); // as the protocol has it
    });
    await ha.subscribeAsync(["homeassistant/#", "cs/v1/village/riverbend/state/#"], { qos: 1 });
  });
  afterAll(async () => {
    await ha?.endAsync();
    await gw?.stop();
  });

  it("announces every board sensor and reserve figure once, as HA's sensor schema wants it", async () => {
    const sensors = gw.gateway.registry.allSensors();
    await waitFor("a config per sensor", () => configs.size === sensors.length);
    const ids = [...configs.values()].map((c) => c.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
    const problems = [...configs].flatMap(([topic, c]) => homeAssistantSensorProblems(c).map((p) => `${topic}: ${p}`));
    expect(problems, "what Home Assistant would refuse or drop").toEqual([]);
    for (const [topic, c] of configs) {
      expect(topic).toMatch(/^homeassistant\/sensor\/cs_riverbend\/[a-z0-9_]+\/config$/);
      expect(c).toMatchObject({ state_topic: expect.stringMatching(/^cs\/v1\/village\/riverbend\/state\//), value_template: "{{ value_json.value }}", state_class: "measurement" });
      expect((c.device as { identifiers: unknown }).identifiers).toEqual([expect.stringMatching(/^cs_riverbend_/)]);
    }
    expect(configs.get("homeassistant/sensor/cs_riverbend/tank_north_level/config")).toMatchObject({ unit_of_measurement: "L", device_class: "volume_storage" });
    expect(configs.get("homeassistant/sensor/cs_riverbend/water_days_left/config")).toMatchObject({ unit_of_measurement: "d", device_class: "duration" });
    expect(configs.get("homeassistant/sensor/cs_riverbend/pump_running/config")).not.toHaveProperty("unit_of_measurement");
    expect(configs.get("homeassistant/sensor/cs_riverbend/air_humidity/config")).toMatchObject({ unit_of_measurement: "%", device_class: "humidity" });
    expect(configs.get("homeassistant/sensor/cs_riverbend/battery_soc/config")).toMatchObject({ unit_of_measurement: "%", device_class: "battery" });
    expect(configs.get("homeassistant/sensor/cs_riverbend/bed_1_moisture/config")).toMatchObject({ unit_of_measurement: "%", device_class: "moisture" });
  });

  it("the rules these configs are held to refuse what Home Assistant refuses", () => {
    const device = { identifiers: ["cs_riverbend_greenhouse-main"] };
    expect(homeAssistantSensorProblems({ state_topic: "t", unit_of_measurement: "%", device_class: "humidity", state_class: "measurement", device })).toEqual([]);
    expect(homeAssistantSensorProblems({ state_topic: "t", unit_of_measurement: "%RH", device_class: "humidity", device })).toEqual(["the unit of measurement `%RH` is not valid together with device class `humidity`"]);
    expect(homeAssistantSensorProblems({ state_topic: "t", unit_of_measurement: "L", device_class: "volume_storage", state_class: "total_increasing" })).toEqual(["state class `total_increasing` is not valid together with device class `volume_storage`"]);
    expect(homeAssistantSensorProblems({ unit: "L", device: { name: "x" } })).toEqual(["unknown key `unit` (HA drops it)", "`state_topic` is required", "the device needs `identifiers` or `connections`"]);
  });

  it("puts each sensor's latest reading on its state topic; an invalid one is unavailable, not 0", async () => {
    const device = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "water-main" });
    const ts = Date.now();
    await device.publishAsync(deviceTopic("readings", "water-main"), JSON.stringify({
      device: "water-main",
      readings: [
        { seq: 1, sensor: "tank-north-level", value: 6_000, unit: "L", quality: "good", ts, clock: "synced" },
        { seq: 2, sensor: "tank-north-level", value: 5_990, unit: "L", quality: "good", ts: ts + 1_000, clock: "synced" },
        { seq: 3, sensor: "tank-south-level", value: 4_000, unit: "L", quality: "good", ts, clock: "synced" },
        { seq: 4, sensor: "cistern-level", value: 20_000, unit: "L", quality: "good", ts, clock: "synced" },
        { seq: 5, sensor: "main-flow", value: null, unit: "L/min", quality: "invalid", warning: "no pulses for 10 min while the pump ran: meter stuck?", ts, clock: "synced" },
      ],
    }), { qos: 1 });
    await waitFor("the north tank's and the meter's states", () => states.has("cs/v1/village/riverbend/state/tank-north-level") && states.has("cs/v1/village/riverbend/state/main-flow"));
    expect(states.get("cs/v1/village/riverbend/state/tank-north-level")).toMatchObject({ value: 5_990, unit: "L", quality: "good" });
    // The availability template reads `quality`: anything but good or an estimate is offline in HA.
    expect(states.get("cs/v1/village/riverbend/state/main-flow")).toMatchObject({ value: null, quality: "invalid", warning: "no pulses for 10 min while the pump ran: meter stuck?" });
    const meter = configs.get("homeassistant/sensor/cs_riverbend/main_flow/config")!;
    expect(meter.availability_topic).toBe("cs/v1/village/riverbend/state/main-flow");
    expect(meter.availability_template).toBe("{{ 'online' if value_json.quality in ['good', 'estimate'] else 'offline' }}");
    // Days left, kept as the tanks are stored, rests on the norm (no history yet): an estimate, with its reason.
    const days = await waitFor("water's days left", () => states.get("cs/v1/village/riverbend/state/water-days-left"));
    expect(days).toMatchObject({ unit: "days", quality: "estimate", warning: expect.stringMatching(/norm-based figure used/) });
    expect(days.value).toEqual(expect.any(Number));
    await device.endAsync();
  });

  it("no client may publish a state, a discovery config or an alarm, even on a broker without identities", async () => {
    const before = { ...states.get("cs/v1/village/riverbend/state/tank-north-level") };
    for (const topic of ["cs/v1/village/riverbend/state/tank-north-level", "homeassistant/sensor/cs_riverbend/tank_north_level/config", "cs/v1/village/riverbend/notifications"]) {
      const forger = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: `forger-${topic.length}`, reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => forger.once("close", () => resolve()));
      forger.publish(topic, JSON.stringify({ value: 0, unit: "L", quality: "good", ts: new Date().toISOString() }), { qos: 1, retain: true });
      await closed; // refused and disconnected
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(states.get("cs/v1/village/riverbend/state/tank-north-level")).toEqual(before);
    expect(configs.get("homeassistant/sensor/cs_riverbend/tank_north_level/config")).toMatchObject({ unit_of_measurement: "L" });
  });
});
