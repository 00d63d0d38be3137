// What /api/health answers: "ok" only when the gateway can store, every known device is online and
// every sensor heard from is valid and recent; otherwise "degraded" with each problem named. HTTP
// 503 is kept for a gateway that cannot do its own job (broker or store down, writes refused), the
// case a supervisor or proxy should act on; an offline device or a bad sensor is the village's
// problem, said in the body with a 200.

export interface HealthParts {
  broker: { state: string };
  store: { kind: string; state: string; detail?: string };
  /** Set while the store refuses writes: since when, and its last error. */
  refusingWrites?: { sinceMs: number; error: string };
  devices: ReadonlyArray<{ device: string; online: boolean; lastStatus: string | null }>;
  sensors: ReadonlyArray<{ sensor: string; problem: string }>;
  federation?: { state: string };
  /** Alarm channels failing quietly (gateway/triggers/sms-channel.ts): alarms nobody receives. */
  alarmChannels?: readonly string[];
}

export interface HealthVerdict {
  status: "ok" | "degraded";
  /** The gateway itself cannot store readings: answered with HTTP 503. */
  gatewayDown: boolean;
  problems: string[];
}

export function healthVerdict(p: HealthParts): HealthVerdict {
  const own: string[] = [];
  if (p.broker.state !== "up") own.push(`MQTT broker ${p.broker.state}`);
  if (p.store.state !== "up") own.push(`store (${p.store.kind}) ${p.store.state}${p.store.detail ? `: ${p.store.detail}` : ""}`);
  if (p.refusingWrites) {
    own.push(`store refusing writes since ${new Date(p.refusingWrites.sinceMs).toISOString()}: ${p.refusingWrites.error} (readings wait in the devices' journals)`);
  }
  const village = [
    ...p.devices.filter((d) => !d.online).map((d) => (d.lastStatus ? `device ${d.device} offline (last heard ${d.lastStatus})` : `device ${d.device} has never connected`)),
    ...p.sensors.map((s) => `sensor ${s.sensor} ${s.problem}`),
    ...(p.federation && p.federation.state === "down" ? ["federation link down: aid requests wait in the outbox"] : []),
    ...(p.alarmChannels ?? []),
  ];
  const problems = [...own, ...village];
  return { status: problems.length === 0 ? "ok" : "degraded", gatewayDown: own.length > 0, problems };
}
