// Who may publish and subscribe where. A device publishes only its own readings, status and
// command replies, and subscribes only to its own commands and acknowledgements. An observer
// (a dashboard, a stand-alone Node-RED, Home Assistant) reads readings, status, the village's
// notifications and sensor states, and Home Assistant's discovery configs, and publishes nothing.
// Commands and acknowledgements come from the gateway itself, never a client. $SYS and bare
// wildcards are nobody's. At the federation hub, a village publishes only its own
// summary, aid requests and answers to proposals, and reads its proposals and every open request.
import type { Identity } from "./identities.ts";

const segment = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function canPublish(identity: Identity, topic: string): boolean {
  // A village at the federation hub speaks for itself only: its summary, requests and answers.
  if (identity.role === "village") return new RegExp(`^cs/v1/fed/${segment(identity.name)}/(summary|aid-requests|proposal-replies)$`).test(topic);
  if (identity.role !== "device") return false;
  return new RegExp(`^cs/v1/dev/${segment(identity.name)}/(readings|status|command-replies)$`).test(topic);
}

export function canSubscribe(identity: Identity, filter: string): boolean {
  if (filter.startsWith("$") || filter === "#" || filter.startsWith("+/") || filter === "+") return false;
  if (identity.role === "village") return filter === `cs/v1/fed/${identity.name}/proposals` || /^cs\/v1\/fed\/([a-z0-9-]+|\+)\/aid-requests$/.test(filter);
  if (identity.role === "device") return new RegExp(`^cs/v1/dev/${segment(identity.name)}/(commands|ack)$`).test(filter);
  return (
    /^cs\/v1\/dev\/([a-z0-9-]+|\+)\/(readings|status)$/.test(filter) ||
    /^cs\/v1\/village\/[a-z0-9-]+\/(notifications|state\/(#|\+|[a-z0-9-]+))$/.test(filter) ||
    // Home Assistant reads its discovery prefix (gateway/integrations/home-assistant.ts).
    /^homeassistant\/(#|sensor\/#|sensor\/[a-z0-9_]+\/(#|\+\/config))$/.test(filter)
  );
}
