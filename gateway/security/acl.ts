// Who may publish and subscribe where. A device publishes only its own readings, status and
// command replies, and subscribes only to its own commands and acknowledgements. An observer
// (a dashboard, a stand-alone Node-RED, Home Assistant) reads readings, status, the village's
// notifications and sensor states, and Home Assistant's discovery configs, and publishes nothing.
// Commands and acknowledgements come from the gateway itself, never a client. $SYS and bare
// wildcards are nobody's. At the federation hub, a village publishes only its own
// summary, aid requests and answers to proposals, and reads its proposals, what the hub sent on
// outside the region, and every open request.
import type { Identity } from "./identities.ts";
import { deviceTopic, fedTopic, filterSegments, villageNotificationsTopic } from "../../protocol/topics.ts";

/** A filter's segment that names one id or, where allowed, "+": any. */
const ID = /^[a-z0-9-]+$/;
const oneOrAny = (segment: string | undefined) => segment !== undefined && (segment === "+" || ID.test(segment));

export function canPublish(identity: Identity, topic: string): boolean {
  // A village at the federation hub speaks for itself only: its summary, requests and answers.
  if (identity.role === "village") return (["summary", "aid-requests", "proposal-replies"] as const).some((kind) => topic === fedTopic(identity.name, kind));
  if (identity.role !== "device") return false;
  return topic === deviceTopic("readings", identity.name) || topic === deviceTopic("status", identity.name) || topic === deviceTopic("command-replies", identity.name);
}

export function canSubscribe(identity: Identity, filter: string): boolean {
  if (filter.startsWith("$") || filter === "#" || filter.startsWith("+/") || filter === "+") return false;
  if (identity.role === "village") {
    if (filter === fedTopic(identity.name, "proposals") || filter === fedTopic(identity.name, "escalations")) return true;
    const [village, kind, ...rest] = filterSegments(filter, "fed");
    return kind === "aid-requests" && rest.length === 0 && oneOrAny(village);
  }
  if (identity.role === "device") return filter === deviceTopic("commands", identity.name) || filter === deviceTopic("ack", identity.name);
  const [device, deviceKind, ...rest] = filterSegments(filter, "dev");
  if (rest.length === 0 && (deviceKind === "readings" || deviceKind === "status") && oneOrAny(device)) return true;
  const [village, villageKind, sensor, ...more] = filterSegments(filter, "village");
  if (village !== undefined && ID.test(village)) {
    if (villageKind === "notifications" && sensor === undefined) return filter === villageNotificationsTopic(village);
    if (villageKind === "state" && more.length === 0 && (sensor === "#" || oneOrAny(sensor))) return true;
  }
  // Home Assistant reads its discovery prefix (gateway/integrations/home-assistant.ts).
  return /^homeassistant\/(#|sensor\/#|sensor\/[a-z0-9_]+\/(#|\+\/config))$/.test(filter);
}
