// Parses an MQTT payload as JSON and checks it against its schema; undefined when it is no JSON.
import type { z } from "zod";

export function parsePayload<S extends z.ZodType>(schema: S, payload: Buffer): ReturnType<S["safeParse"]> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
  return schema.safeParse(json) as ReturnType<S["safeParse"]>;
}
