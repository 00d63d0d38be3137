// Loads and validates village.yaml once; the result is frozen. Errors name the file and the field.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { CsError } from "../../protocol/errors.ts";
import { describeIssues } from "../../protocol/zod-issues.ts";
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
    const problems = describeIssues(parsed.error).map((p) => `${source}: ${p}`);
    throw new CsError("CS_ERR_CONFIG_INVALID", `\n  ${problems.join("\n  ")}`, { problems });
  }
  return deepFreeze(parsed.data);
}

export function loadGatewayConfigFile(file: string): GatewayConfigInput {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CsError("CS_ERR_CONFIG_INVALID", `${file}: cannot read: ${(err as Error).message}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new CsError("CS_ERR_CONFIG_INVALID", `${file}: YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  return (doc.toJS() ?? {}) as GatewayConfigInput;
}
