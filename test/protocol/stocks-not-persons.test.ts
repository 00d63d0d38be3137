// Stocks, never persons: no schema of the wire, no table and no figure carries anything about an
// individual. This sweep fails when a field that names, locates or scores a person appears.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import * as payloads from "../../protocol/payloads.ts";
import * as federation from "../../protocol/federation.ts";
import { boardSchema } from "../../protocol/board/schema.ts";
import { gatewayConfigSchema } from "../../gateway/config/schema.ts";

const PERSONAL = /^(name|firstname|lastname|fullname|person|persons|people|user|username|email|phone|address|age|gender|household|member|members|resident|residents|owner|score|rank|ranking|location|gps|lat|lon|consumer|individual)$/i;

function keysOf(schema: z.ZodType, path = ""): string[] {
  const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as Record<string, unknown>;
  const out: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (!node || typeof node !== "object") return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === "object") {
      for (const [k, v] of Object.entries(n.properties)) {
        out.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
    }
    for (const key of ["items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"]) {
      const v = n[key];
      if (Array.isArray(v)) v.forEach((x) => walk(x, at));
      else walk(v, at);
    }
  };
  walk(json, path);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("stocks, never persons", () => {
  const schemas: Record<string, z.ZodType> = {
    ...Object.fromEntries(Object.entries(payloads).filter(([, v]) => v instanceof z.ZodType)),
    ...Object.fromEntries(Object.entries(federation).filter(([, v]) => v instanceof z.ZodType)),
    boardSchema,
    gatewayConfigSchema,
  };

  it("sweeps every payload, federation, board and village schema for personal fields", () => {
    expect(Object.keys(schemas).length).toBeGreaterThan(8);
    const offending = Object.entries(schemas).flatMap(([name, schema]) =>
      keysOf(schema, name).filter((k) => PERSONAL.test(k.split(".").pop()!)),
    );
    // The village's own name and the board's display name are the only "name" fields: places, not people.
    expect(offending.filter((k) => !/^(gatewayConfigSchema\.village\.name|boardSchema\.name|federation?.*staples.*\.name|gatewayConfigSchema\.reserves\.food\.staples\.name)$/.test(k))).toEqual([]);
  });

  it("finds no personal column in any table the code creates", () => {
    const ddl = sourceFiles("edge").concat(sourceFiles("gateway")).flatMap((f) => readFileSync(f, "utf8").match(/CREATE TABLE[^;`]*/g) ?? []);
    expect(ddl.length).toBeGreaterThanOrEqual(5);
    const columns = ddl.flatMap((t) => [...t.matchAll(/[(,]\s*([a-z_]+)\s+(TEXT|INTEGER|REAL)/g)].map((m) => m[1]));
    expect(columns.filter((c) => PERSONAL.test(c.replace(/_/g, "")))).toEqual([]);
  });

  it("the sweep itself catches a personal field", () => {
    const leaky = z.object({ device: z.string(), readings: z.array(z.object({ household: z.string() })) });
    expect(keysOf(leaky, "leaky").filter((k) => PERSONAL.test(k.split(".").pop()!))).toEqual(["leaky.readings.household"]);
  });
});
