// A neighbouring village with food well above its own 30-day target, as the hub sees it: a raw
// MQTT client publishing Hillside's reserve summary. Returns the client, for the test to close.
import mqtt, { type MqttClient } from "mqtt";
import type { FederationHub } from "../../gateway/federation/hub.ts";
import { waitFor } from "./wait-for.ts";

export async function foodDonorHillside(hub: FederationHub): Promise<MqttClient> {
  const neighbour = await mqtt.connectAsync(hub.broker.url, { clientId: "village-hillside" });
  const summary = {
    village: "hillside", headCount: 170, ts: new Date().toISOString(),
    water: { stock: 30000, unit: "L", dailyNeed: 2550, targetDays: 7, daysLeft: 11 },
    food: { stock: 60 * 170 * 2100, unit: "kcal", dailyNeed: 170 * 2100, targetDays: 30, daysLeft: 60 },
    power: { stock: 15000, unit: "Wh", dailyNeed: 24000, targetDays: 2, daysLeft: 0.6 },
  };
  await neighbour.publishAsync("cs/v1/fed/hillside/summary", JSON.stringify(summary), { qos: 1, retain: true });
  await waitFor("hillside known to the hub", () => hub.summaries.has("hillside"));
  return neighbour;
}
