// Loads and validates village.yaml once; the result is frozen. Errors name the file and the field.
import { invalidFiles } from "../../protocol/errors.ts";
import { readYamlFile } from "../../lib/yaml-file.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import { gatewayConfigSchema, type GatewayConfig, type GatewayConfigInput } from "./schema.ts";

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function parseGatewayConfig(input: unknown, source: string): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw invalidFiles("CS_ERR_CONFIG_INVALID", describeIssues(parsed.error).map((p) => `${source}: ${p}`));
  }
  return deepFreeze(parsed.data);
}

export function loadGatewayConfigFile(file: string): GatewayConfigInput {
  const read = readYamlFile(file);
  if (!read.ok) throw invalidFiles("CS_ERR_CONFIG_INVALID", read.problems);
  return (read.data ?? {}) as GatewayConfigInput;
}
