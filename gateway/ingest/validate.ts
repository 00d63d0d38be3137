// Validation of a readings message, before anything is written: size, JSON, schema, topic and
// payload agree, device and sensors known, units as declared. Throws a CsError with the rule broken.
import { CsError } from "../../protocol/errors.ts";
import { readingBatchSchema } from "../../protocol/payloads.ts";
import { describeIssues } from "../../protocol/zod-issues.ts";
import type { StoredReading } from "../store/store.ts";
import type { DeviceRegistry } from "./device-registry.ts";

export function validateReadings(
  topicDevice: string,
  payload: Buffer,
  registry: DeviceRegistry,
  maxPayloadBytes: number,
): StoredReading[] {
  if (payload.length > maxPayloadBytes) {
    throw new CsError("CS_ERR_PAYLOAD_TOO_LARGE", `${payload.length} bytes > ${maxPayloadBytes}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch (err) {
    throw new CsError("CS_ERR_PAYLOAD_NOT_JSON", (err as Error).message);
  }
  const parsed = readingBatchSchema.safeParse(json);
  if (!parsed.success) {
    throw new CsError("CS_ERR_PAYLOAD_SCHEMA", describeIssues(parsed.error).slice(0, 5).join("; "));
  }
  const batch = parsed.data;
  if (batch.device !== topicDevice) {
    throw new CsError("CS_ERR_DEVICE_MISMATCH", `topic names ${topicDevice}, payload ${batch.device}`);
  }
  if (!registry.hasDevice(batch.device)) throw new CsError("CS_ERR_DEVICE_UNKNOWN", batch.device);
  // The gateway speaks for its local devices itself; nothing on the network may.
  if (registry.isLocal(batch.device)) throw new CsError("CS_ERR_DEVICE_UNKNOWN", `${batch.device} is the gateway's own, not a board`);
  return batch.readings.map((r, i) => {
    const info = registry.sensor(batch.device, r.sensor);
    if (!info) throw new CsError("CS_ERR_SENSOR_UNKNOWN", `readings[${i}].sensor: ${r.sensor} on ${batch.device}`);
    if (info.unit !== r.unit) {
      throw new CsError("CS_ERR_UNIT_MISMATCH", `readings[${i}].unit: ${r.unit}, but ${r.sensor} measures ${info.unit}`);
    }
    return { ...r, device: batch.device };
  });
}
