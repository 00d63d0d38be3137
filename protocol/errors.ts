// The error catalog: stable codes that tests assert and logs carry. Messages may be reworded;
// codes may not.

export const errorCatalog = {
  CS_ERR_BOARD_INVALID: "board file is invalid",
  CS_ERR_CONFIG_INVALID: "configuration is invalid",
  CS_ERR_FLOWS_INVALID: "flow files are invalid",
  CS_ERR_LOGIN_REQUIRED: "a login with write permission is needed",
  CS_ERR_LOGIN_FAILED: "unknown account or wrong password",
  CS_ERR_LOGIN_THROTTLED: "too many failed logins from here or for this account: wait and try again",
  CS_ERR_LOGIN_BUSY: "too many logins are being checked: try again in a moment",
  CS_ERR_WRITES_DISABLED: "writes are off on this gateway",
  CS_ERR_ORIGIN_REFUSED: "request from another site refused",
  CS_ERR_CSRF_TOKEN: "the request lacks this session's CSRF token",
  CS_ERR_PAYLOAD_TOO_LARGE: "payload exceeds the maximum size",
  CS_ERR_PAYLOAD_NOT_JSON: "payload is not valid JSON",
  CS_ERR_PAYLOAD_SCHEMA: "payload does not match its schema",
  CS_ERR_TOPIC_UNKNOWN: "topic is not part of the protocol",
  CS_ERR_DEVICE_UNKNOWN: "device is not registered with this gateway",
  CS_ERR_DEVICE_MISMATCH: "payload device does not match its topic",
  CS_ERR_SENSOR_UNKNOWN: "sensor is not declared on this board",
  CS_ERR_UNIT_MISMATCH: "reading unit does not match the sensor's declared unit",
  CS_ERR_STORE_UNAVAILABLE: "the store is unavailable",
  CS_ERR_JOURNAL_CORRUPT: "the journal failed its integrity check",
  CS_ERR_SCHEMA_VERSION: "a data file cannot be brought to this version's schema (written by a newer version, or an upgrade step failed)",
  CS_ERR_QUERY_INVALID: "query parameters are invalid",
  CS_ERR_ROUTE_UNKNOWN: "no such API route",
  CS_ERR_ALERT_UNKNOWN: "no such alert",
  CS_ERR_RULES_INVALID: "trigger rules are invalid",
  CS_ERR_SCENARIO_INVALID: "drill scenario is invalid",
  CS_ERR_VILLAGE_UNKNOWN: "village is not a member of this federation",
  CS_ERR_AID_REQUEST_INVALID: "aid request is invalid",
  CS_ERR_ASSESSMENT_INVALID: "assessment is invalid",
  CS_ERR_PANTRY_COUNT_INVALID: "pantry count is invalid",
  CS_ERR_OFFER_INVALID: "offer is invalid",
  CS_ERR_TRANSFER_CANCELLED: "the federation cancelled this transfer before it left, because the need is gone or met by the rest: keep it",
  CS_ERR_COMMAND_INVALID: "command envelope is invalid",
  CS_ERR_COMMAND_EXPIRED: "command arrived after it expired",
  CS_ERR_COMMAND_ISSUER: "this identity may not command devices",
  CS_ERR_COMMAND_TARGET: "no such device or output",
  CS_ERR_COMMAND_INTERLOCKED: "a local safety loop holds this output",
  CS_ERR_COMMAND_UNPROVEN: "command does not carry a valid signature of this device's gateway",
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export class CsError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail?: string, details: Record<string, unknown> = {}) {
    super(detail ? `${errorCatalog[code]}: ${detail}` : errorCatalog[code]);
    this.name = "CsError";
    this.code = code;
    this.details = details;
  }
}

export function isCsError(err: unknown, code?: ErrorCode): err is CsError {
  return err instanceof CsError && (code === undefined || err.code === code);
}

/** One error for every problem found in a file or set of files, each `file: field: message`. */
export function invalidFiles(code: ErrorCode, problems: string[]): CsError {
  return new CsError(code, `\n  ${problems.join("\n  ")}`, { problems });
}
