// One typed map of every topic and its payload. Publishers, ingest and tests build topics here.
import type { Ack, DeviceStatus, ReadingBatch } from "./payloads.ts";
import { ackSchema, deviceStatusSchema, readingBatchSchema } from "./payloads.ts";

export const TOPIC_ROOT = "cs/v1";

export interface TopicMap {
  /** edge -> gateway, QoS 1 */
  readings: ReadingBatch;
  /** gateway -> edge, QoS 1: application-level acknowledgement after the store has the readings */
  ack: Ack;
  /** edge -> gateway, QoS 1 retained, also the MQTT will (online: false) */
  status: DeviceStatus;
}

export type TopicKind = keyof TopicMap;

export const topicSchemas = {
  readings: readingBatchSchema,
  ack: ackSchema,
  status: deviceStatusSchema,
} as const;

export function deviceTopic(kind: TopicKind, device: string): string {
  return `${TOPIC_ROOT}/dev/${device}/${kind}`;
}

export function parseDeviceTopic(topic: string): { device: string; kind: TopicKind } | undefined {
  const parts = topic.split("/");
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[2] !== "dev") return undefined;
  const kind = parts[4];
  if (kind !== "readings" && kind !== "ack" && kind !== "status") return undefined;
  return { device: parts[3], kind };
}

/**
 * The village's alarm channel, gateway -> anyone on the village network, QoS 1: every alert
 * raised or cleared and every aid request opened, updated, withdrawn or fulfilled, as the
 * gateway's Notification (its `id` is unique: a consumer that sees an id again drops it).
 */
export function villageNotificationsTopic(village: string): string {
  return `${TOPIC_ROOT}/village/${village}/notifications`;
}

/**
 * A sensor's latest reading, gateway -> anyone on the village network, retained: `{ value, unit,
 * quality, warning?, ts }`. For tools that want one value per topic (Home Assistant's MQTT sensors).
 */
export function villageStateTopic(village: string, sensor: string): string {
  return `${TOPIC_ROOT}/village/${village}/state/${sensor}`;
}

/** Home Assistant's MQTT discovery: a sensor's config, retained, under HA's default prefix. */
export function homeAssistantDiscoveryTopic(village: string, sensor: string): string {
  return `homeassistant/sensor/cs_${village.replace(/-/g, "_")}/${sensor.replace(/-/g, "_")}/config`;
}

/**
 * Topics only the gateway publishes on, whoever connects: commands and acknowledgements (an ack
 * makes an edge delete readings), and everything under a village (its alarm channel, the sensor
 * states Home Assistant shows) and its Home Assistant discovery configs. A client's message there
 * would be a figure or an alarm nobody can vouch for.
 */
export function isGatewayOnlyTopic(topic: string): boolean {
  const parts = topic.split("/");
  const device = parts.length === 5 && `${parts[0]}/${parts[1]}` === TOPIC_ROOT && parts[2] === "dev";
  return (device && (parts[4] === "commands" || parts[4] === "ack")) || topic.startsWith(`${TOPIC_ROOT}/village/`) || topic.startsWith("homeassistant/sensor/cs_");
}
