// Pass two of the village configuration: the sensors it names for reserves exist on its boards,
// as do the outputs it sounds alarms on; the files it names (certificates, gammu-smsd's
// configuration) can be read; and its data directory can be written.
import { accessSync, constants, mkdirSync } from "node:fs";
import type { DeviceRegistry } from "../ingest/device-registry.ts";
import type { GatewayConfig } from "./schema.ts";

export function checkReserveSensors(config: GatewayConfig, registry: DeviceRegistry): string[] {
  const known = new Map(registry.allSensors().map((s) => [s.sensor, s.unit]));
  const problems: string[] = [];
  const want = (field: string, sensor: string, unit: string) => {
    const got = known.get(sensor);
    if (!got) problems.push(`${field}: no board declares a sensor "${sensor}"`);
    else if (got !== unit) problems.push(`${field}: "${sensor}" measures ${got}, ${unit} is needed`);
  };
  const { water, power, food } = config.reserves;
  water.sensors.forEach((s, i) => want(`reserves.water.sensors[${i}]`, s, "L"));
  for (const tank of Object.keys(water.tankCapacityLitres)) {
    if (!water.sensors.includes(tank)) problems.push(`reserves.water.tankCapacityLitres.${tank}: not one of reserves.water.sensors`);
  }
  if (water.flowSensor) want("reserves.water.flowSensor", water.flowSensor, "L/min");
  for (const [level, mover] of Object.entries(water.changesWhile ?? {})) {
    if (!water.sensors.includes(level)) problems.push(`reserves.water.changesWhile.${level}: not one of reserves.water.sensors`);
    if (!known.has(mover)) problems.push(`reserves.water.changesWhile.${level}: no board declares a sensor "${mover}"`);
  }
  want("reserves.power.socSensor", power.socSensor, "%");
  want("reserves.power.currentSensor", power.currentSensor, "A");
  want("reserves.power.voltageSensor", power.voltageSensor, "V");
  if (power.inflowSensor) want("reserves.power.inflowSensor", power.inflowSensor, "W");
  food.staples.forEach((s, i) => {
    if (s.sensor) want(`reserves.food.staples[${i}].sensor`, s.sensor, "kg");
  });
  return problems;
}

/** Each alarm output is an output some board declares. */
export function checkAlarmOutputs(config: GatewayConfig, registry: DeviceRegistry): string[] {
  const outputs = new Set(registry.outputs());
  return config.alarms.outputs.flatMap((o, i) => (outputs.has(`${o.device}/${o.output}`) ? [] : [`alarms.outputs[${i}]: no output "${o.output}" on device "${o.device}"`]));
}

/** The certificate and gammu-smsd files the configuration names can be read. */
export function checkNamedFiles(config: GatewayConfig): string[] {
  const problems: string[] = [];
  const readable = (field: string, file: string | undefined) => {
    if (file === undefined) return;
    try {
      accessSync(file, constants.R_OK);
    } catch {
      problems.push(`${field}: ${file} cannot be read`);
    }
  };
  readable("mqtt.tls.certFile", config.mqtt.tls?.certFile);
  readable("mqtt.tls.keyFile", config.mqtt.tls?.keyFile);
  readable("http.tls.certFile", config.http.tls?.certFile);
  readable("http.tls.keyFile", config.http.tls?.keyFile);
  const fed = config.federation;
  readable("federation.tls.caFile", fed.tls?.caFile);
  readable("federation.tls.certFile", fed.tls?.certFile);
  readable("federation.tls.keyFile", fed.tls?.keyFile);
  readable("alarms.sms.gammuConfig", config.alarms.sms?.gammuConfig);
  if (fed.tls && Boolean(fed.tls.certFile) !== Boolean(fed.tls.keyFile)) problems.push("federation.tls: certFile and keyFile go together");
  if (fed.hubUrl && fed.hubUrls) problems.push("federation: give hubUrl or hubUrls, not both");
  return problems;
}

/** Creates the data directory if it is missing; a path that cannot hold one is a problem. */
export function checkDataDir(config: GatewayConfig): string[] {
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
    return [];
  } catch (err) {
    return [`dataDir: ${(err as Error).message}`];
  }
}
