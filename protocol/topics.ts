// Every MQTT topic of the project in one typed map: its place in the tree, who publishes it and its
// payload's schema. Edge, gateway, hub and tests build and parse topics here and nowhere else.
import type { z } from "zod";
import { ackSchema, deviceStatusSchema, readingBatchSchema } from "./payloads.ts";
import { commandReplySchema, commandSchema } from "./commands.ts";
import { aidRequestSchema, escalationsMessageSchema, proposalReplySchema, proposalsMessageSchema, reserveSummarySchema } from "./federation.ts";
import { notificationSchema, sensorStateSchema } from "./village.ts";

export const TOPIC_ROOT = "cs/v1";

/** `cs/v1/dev/<device>/<kind>`: between one edge device and its village gateway. */
export const deviceTopics = {
  /**
   * edge -> gateway, QoS 0: what frees a reading from the edge's journal is the gateway's `ack`
   * once the store has it, and the edge sends again until then; a PUBACK said nothing more.
   */
  readings: readingBatchSchema,
  /**
   * gateway only -> edge, QoS 0: the store has these readings, the edge may delete them. One lost
   * costs nothing: the edge sends those readings again and the gateway, which has them, says so again.
   */
  ack: ackSchema,
  /** edge -> gateway, QoS 1 retained, also the MQTT will (online: false) */
  status: deviceStatusSchema,
  /** gateway only -> edge, QoS 1, signed (protocol/command-signature.ts) */
  commands: commandSchema,
  /** edge -> gateway, QoS 1: accepted, rejected or done */
  "command-replies": commandReplySchema,
} as const;

/** `cs/v1/village/<village>/<kind>`: a gateway's own publications for everyone on its network. */
export const villageTopics = {
  /** gateway only, QoS 1: the alarm channel, every alert and aid request change */
  notifications: notificationSchema,
  /** gateway only, retained, one topic per sensor (`state/<sensor>`): for tools that want one value per topic */
  state: sensorStateSchema,
} as const;

/** `cs/v1/fed/<village>/<kind>`: between a village and its federation hub. */
export const fedTopics = {
  /** village -> hub, QoS 1; the hub relays each to every village */
  "aid-requests": aidRequestSchema,
  /** village -> hub, QoS 1 retained: days left and spare stock per domain */
  summary: reserveSummarySchema,
  /** hub only -> village, QoS 1: the transfers proposed to and from it */
  proposals: proposalsMessageSchema,
  /** village -> hub, QoS 1: accept, decline, delivered */
  "proposal-replies": proposalReplySchema,
  /** hub only -> village, QoS 1 retained: the needs it sent on outside its region */
  escalations: escalationsMessageSchema,
} as const;

export type DeviceTopicKind = keyof typeof deviceTopics;
export type VillageTopicKind = keyof typeof villageTopics;
export type FedTopicKind = keyof typeof fedTopics;
/** The payload of each topic kind. */
export type TopicMap = { [K in DeviceTopicKind]: z.infer<(typeof deviceTopics)[K]> } & { [K in VillageTopicKind]: z.infer<(typeof villageTopics)[K]> } & {
  [K in FedTopicKind]: z.infer<(typeof fedTopics)[K]>;
};

const DEV = `${TOPIC_ROOT}/dev/`;
const VILLAGE = `${TOPIC_ROOT}/village/`;
const FED = `${TOPIC_ROOT}/fed/`;
const ID = /^[a-z0-9-]+$/;

export function deviceTopic(kind: DeviceTopicKind, device: string): string {
  return `${DEV}${device}/${kind}`;
}

export function parseDeviceTopic(topic: string): { device: string; kind: DeviceTopicKind } | undefined {
  const [device, kind, ...rest] = topic.startsWith(DEV) ? topic.slice(DEV.length).split("/") : [];
  return device && rest.length === 0 && Object.hasOwn(deviceTopics, kind) ? { device, kind: kind as DeviceTopicKind } : undefined;
}

/** The village's alarm channel (QoS 1): a consumer that sees an id again drops it. */
export function villageNotificationsTopic(village: string): string {
  return `${VILLAGE}${village}/notifications`;
}

/** A sensor's latest reading, retained. */
export function villageStateTopic(village: string, sensor: string): string {
  return `${VILLAGE}${village}/state/${sensor}`;
}

export function fedTopic(village: string, kind: FedTopicKind): string {
  return `${FED}${village}/${kind}`;
}

export function parseFedTopic(topic: string): { village: string; kind: FedTopicKind } | undefined {
  const [village, kind, ...rest] = topic.startsWith(FED) ? topic.slice(FED.length).split("/") : [];
  return village && ID.test(village) && rest.length === 0 && Object.hasOwn(fedTopics, kind) ? { village, kind: kind as FedTopicKind } : undefined;
}

/**
 * Home Assistant's MQTT discovery: a sensor's config, retained, under HA's default prefix (its
 * payload is Home Assistant's, gateway/integrations/home-assistant.ts).
 */
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
  const [device, kind, ...rest] = filterSegments(topic, "dev");
  const toDevice = device !== undefined && rest.length === 0 && (kind === "commands" || kind === "ack");
  return toDevice || topic.startsWith(VILLAGE) || topic.startsWith("homeassistant/sensor/cs_");
}

/** The segments of a subscription filter after a part of the tree (`dev`, `village`, `fed`); none outside it. */
export function filterSegments(filter: string, under: "dev" | "village" | "fed"): (string | undefined)[] {
  const prefix = `${TOPIC_ROOT}/${under}/`;
  return filter.startsWith(prefix) ? filter.slice(prefix.length).split("/") : [];
}
