// Validation of a readings message, before anything is written: size, JSON, schema, topic and
// payload agree, device and sensors known, units as declared. Throws a CsError with the rule broken.
import { CsError } from "../../protocol/errors.ts";
import { readingBatchSchema, readingValueIssue } from "../../protocol/payloads.ts";
import { compileSchema } from "../../lib/compiled-schema.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import type { StoredReading } from "../store/store.ts";
import type { DeviceRegistry } from "./device-registry.ts";

const readingBatchIsValid = compileSchema(readingBatchSchema);

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
  if (!readingBatchIsValid(json)) {
    // Rejections are rare: zod, the schema's definition, says what is wrong.
    const parsed = readingBatchSchema.safeParse(json);
    const reasons = parsed.success ? ["does not match the readings schema"] : describeIssues(parsed.error).slice(0, 5);
    throw new CsError("CS_ERR_PAYLOAD_SCHEMA", reasons.join("; "));
  }
  const batch = json;
  if (batch.device !== topicDevice) {
    throw new CsError("CS_ERR_DEVICE_MISMATCH", `topic names ${topicDevice}, payload ${batch.device}`);
  }
  if (!registry.hasDevice(batch.device)) throw new CsError("CS_ERR_DEVICE_UNKNOWN", batch.device);
  // The gateway speaks for its local devices itself; nothing on the network may.
  if (registry.isLocal(batch.device)) throw new CsError("CS_ERR_DEVICE_UNKNOWN", `${batch.device} is the gateway's own, not a board`);
  const sensors = registry.sensorsOf(batch.device);
  const readings = batch.readings as StoredReading[];
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i];
    const valueIssue = readingValueIssue(r);
    if (valueIssue) throw new CsError("CS_ERR_PAYLOAD_SCHEMA", `readings[${i}].value: ${valueIssue}`);
    const info = sensors?.get(r.sensor);
    if (!info) throw new CsError("CS_ERR_SENSOR_UNKNOWN", `readings[${i}].sensor: ${r.sensor} on ${batch.device}`);
    if (info.unit !== r.unit) {
      throw new CsError("CS_ERR_UNIT_MISMATCH", `readings[${i}].unit: ${r.unit}, but ${r.sensor} measures ${info.unit}`);
    }
    // The parsed objects are this function's own: tagged in place, since this runs for every
    // reading the village takes and a copy per reading showed in the gateway's profile.
    r.device = batch.device;
  }
  return readings;
}
