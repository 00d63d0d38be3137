// HTTP API: every figure readable by anyone on the village network (no login to look).
import express, { type Request, type Response, type NextFunction } from "express";
import { z } from "zod";
import { CsError, isCsError } from "../../protocol/errors.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import type { Store } from "../store/store.ts";
import type { DeviceRegistry } from "../ingest/device-registry.ts";

export interface ApiDeps {
  store: Store;
  registry: DeviceRegistry;
  health: () => Record<string, unknown>;
  now?: () => number;
  /** How old a sensor's reading may be before it is stale (the reserves' stale times). */
  staleAfterMs?: (sensor: string) => number;
}

const timeParam = z.union(
  [z.string().regex(/^\d+$/).transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))],
  { error: "expected milliseconds since 1970 or an ISO 8601 time such as 2026-12-03T06:00:00Z" },
);

const readingsQuery = z.strictObject({
  sensor: z.string().min(1),
  from: timeParam.optional(),
  to: timeParam.optional(),
  limit: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(100_000)).optional(),
  /** Bucket size in ms: min, mean and max per bucket instead of every reading (a season's chart). */
  every: z.string().regex(/^\d+$/, { error: "expected a bucket size in milliseconds" }).transform(Number).pipe(z.number().int().min(1_000, "at least 1000 ms")).optional(),
});

/** A summary larger than this is not a chart's: ask for bigger buckets. */
const MAX_BUCKETS = 10_000;

export function apiRouter(deps: ApiDeps): express.Router {
  const now = deps.now ?? Date.now;
  const router = express.Router();

  router.get("/health", (_req, res) => {
    const health = deps.health();
    res.status(health.gatewayDown ? 503 : 200).json(health);
  });

  router.get("/latest", async (_req, res, next) => {
    try {
      const at = now();
      const rows = await deps.store.latest();
      res.json(
        rows.map((r) => ({
          device: r.device,
          sensor: r.sensor,
          label: deps.registry.sensor(r.device, r.sensor)?.label,
          value: r.value,
          unit: r.unit,
          quality: r.quality,
          warning: r.warning,
          ts: new Date(r.ts).toISOString(),
          ageMs: at - r.ts,
          stale: deps.staleAfterMs ? at - r.ts > deps.staleAfterMs(r.sensor) : undefined,
        })),
      );
    } catch (err) {
      next(err);
    }
  });

  router.get("/readings", async (req, res, next) => {
    try {
      const parsed = readingsQuery.safeParse(req.query);
      if (!parsed.success) throw new CsError("CS_ERR_QUERY_INVALID", describeIssues(parsed.error).join("; "));
      const q = parsed.data;
      if (!deps.registry.allSensors().some((s) => s.sensor === q.sensor)) {
        throw new CsError("CS_ERR_SENSOR_UNKNOWN", q.sensor);
      }
      const toMs = q.to ?? now();
      const fromMs = q.from ?? toMs - 24 * 3_600_000;
      // An empty answer would read as "no readings then", not as a question asked backwards.
      if (fromMs > toMs) throw new CsError("CS_ERR_QUERY_INVALID", `from: ${new Date(fromMs).toISOString()} is after to (${new Date(toMs).toISOString()})`);
      if (q.every !== undefined) {
        if ((toMs - fromMs) / q.every > MAX_BUCKETS) throw new CsError("CS_ERR_QUERY_INVALID", `every: ${q.every} ms makes more than ${MAX_BUCKETS} buckets from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}; ask for bigger buckets`);
        const buckets = await deps.store.summary({ sensor: q.sensor, fromMs, toMs, everyMs: q.every });
        res.json({ sensor: q.sensor, from: fromMs, to: toMs, every: q.every, buckets });
        return;
      }
      const rows = await deps.store.query({ sensor: q.sensor, fromMs, toMs, limit: q.limit });
      res.json({ sensor: q.sensor, from: fromMs, to: toMs, readings: rows });
    } catch (err) {
      next(err);
    }
  });

  return router;
}

const NOT_FOUND: ReadonlySet<string> = new Set(["CS_ERR_SENSOR_UNKNOWN", "CS_ERR_COMMAND_TARGET", "CS_ERR_ROUTE_UNKNOWN", "CS_ERR_ALERT_UNKNOWN"]);

/** Errors of every /api route: a code and a message, never a stack. */
export function apiErrorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (isCsError(err)) {
    const status = err.code === "CS_ERR_STORE_UNAVAILABLE" ? 503 : NOT_FOUND.has(err.code) ? 404 : err.code === "CS_ERR_TRANSFER_CANCELLED" ? 409 : 400;
    res.status(status).json({ code: err.code, message: err.message });
    return;
  }
  if ((err as { type?: string }).type === "entity.parse.failed") {
    res.status(400).json({ code: "CS_ERR_PAYLOAD_NOT_JSON", message: (err as Error).message });
    return;
  }
  res.status(503).json({ code: "CS_ERR_STORE_UNAVAILABLE", message: (err as Error).message });
}
