// What /api/health answers: each part's own state gathered, and the verdict on them
// (village-health.ts). Read from the running parts, never cached.
import { VERSION } from "../../lib/command-line.ts";
import type { Broker } from "../broker/broker.ts";
import type { FederationLink } from "../federation/link.ts";
import type { DeviceRegistry } from "../ingest/device-registry.ts";
import type { Ingest } from "../ingest/ingest.ts";
import type { Reserves } from "../reserves/reserves.ts";
import type { Accounts } from "../security/accounts.ts";
import type { Store } from "../store/store.ts";
import type { AlarmOutputs } from "../triggers/alarm-outputs.ts";
import type { SmsChannel } from "../triggers/sms-channel.ts";
import type { TriggerState } from "../triggers/trigger-state.ts";
import { healthVerdict, type HealthVerdict } from "./village-health.ts";

export interface HealthSources {
  village: string;
  startedAt: number;
  nowMs: number;
  broker: Broker;
  store: Store;
  ingest: Ingest;
  registry: DeviceRegistry;
  reserves: Reserves;
  triggerState: TriggerState;
  link: FederationLink | undefined;
  accounts: Accounts;
  alarmOutputs: AlarmOutputs;
  sms: SmsChannel | undefined;
}

export function gatewayHealth(g: HealthSources): Record<string, unknown> & HealthVerdict {
  const broker = g.broker.health();
  const store = { kind: g.store.kind, ...g.store.health() };
  const federation = g.link ? { state: g.link.connected ? "up" : "down", sent: g.link.sent, waiting: g.triggerState.unsent(1000).length } : { state: "not configured" };
  const devices = g.registry.deviceIds().filter((id) => !g.registry.isLocal(id)).map((id) => {
    const s = g.ingest.devices.get(id);
    return {
      device: id,
      online: s?.online ?? false,
      lastStatus: s ? new Date(s.ts).toISOString() : null,
      journal: s?.journal ?? null,
      warnings: s?.warnings ?? [],
      outputs: s?.outputs ?? [],
    };
  });
  const sensors = g.reserves.sensorTrouble(g.nowMs);
  const sms = g.sms?.health();
  const verdict = healthVerdict({ broker, store, refusingWrites: g.ingest.refusingWrites, devices, sensors, federation, alarmChannels: sms?.problems });
  return {
    ...verdict,
    version: VERSION,
    village: g.village,
    uptimeMs: Date.now() - g.startedAt,
    access: g.accounts.health(),
    components: { broker, store, ingest: g.ingest.counters, federation },
    devices,
    sensors,
    alarmOutputs: g.alarmOutputs.status(),
    ...(sms ? { sms } : {}),
  };
}
