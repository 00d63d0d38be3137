import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { getJson } from "../../helpers/get-json.ts";

const NOW = Date.now();

describe("HTTP API", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let base: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    base = `${gw.gateway.http.url}/api`;
    await gw.gateway.store.write([
      { device: "water-main", seq: 1, sensor: "tank-north-level", value: 6000, unit: "L", quality: "good", ts: NOW - 60_000, clock: "synced" },
      { device: "water-main", seq: 2, sensor: "tank-north-level", value: 5990, unit: "L", quality: "good", ts: NOW - 30_000, clock: "synced" },
      { device: "power-main", seq: 1, sensor: "battery-soc", value: null, unit: "%", quality: "invalid", ts: NOW - 10_000, clock: "synced", warning: "no valid current" },
    ]);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("GET /api/health names each component's state, and what is wrong in the village", async () => {
    const { status, body } = await getJson(`${base}/health`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "degraded", components: { broker: { state: "up" }, store: { kind: "embedded", state: "up" } } });
    expect(body.problems).toEqual(expect.arrayContaining(["device greenhouse-main has never connected", "device power-main has never connected"]));
    expect(body.devices.map((d: { device: string }) => d.device).sort()).toEqual(["greenhouse-main", "pantry-main", "power-main", "water-main"]);
  });

  it("GET /api/latest gives value, unit, quality and age per sensor", async () => {
    const { body } = await getJson(`${base}/latest`);
    const tank = body.find((r: { sensor: string }) => r.sensor === "tank-north-level");
    expect(tank).toMatchObject({ value: 5990, unit: "L", quality: "good", label: "North storage tank" });
    expect(tank.ageMs).toBeGreaterThanOrEqual(30_000);
    const soc = body.find((r: { sensor: string }) => r.sensor === "battery-soc");
    expect(soc).toMatchObject({ value: null, quality: "invalid", warning: "no valid current" });
  });

  it("GET /api/readings returns a sensor's window, oldest first", async () => {
    const { body } = await getJson(`${base}/readings?sensor=tank-north-level&from=${NOW - 45_000}&to=${NOW}`);
    expect(body.readings.map((r: { value: number }) => r.value)).toEqual([5990]);
    const { body: iso } = await getJson(`${base}/readings?sensor=tank-north-level&from=${new Date(NOW - 90_000).toISOString()}`);
    expect(iso.readings).toHaveLength(2);
  });

  it("GET /api/readings with every= answers min, mean and max per bucket, for a season's chart", async () => {
    const every = 3_600_000;
    const { status, body } = await getJson(`${base}/readings?sensor=tank-north-level&from=${NOW - 90 * 86_400_000}&to=${NOW}&every=${every}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ sensor: "tank-north-level", every, buckets: expect.any(Array) });
    expect(body.readings).toBeUndefined();
    const bucket = (ts: number) => Math.floor(ts / every) * every;
    const wanted = bucket(NOW - 60_000) === bucket(NOW - 30_000)
      ? [{ ts: bucket(NOW - 60_000), min: 5990, mean: 5995, max: 6000, count: 2, estimates: 0 }]
      : [{ ts: bucket(NOW - 60_000), min: 6000, mean: 6000, max: 6000, count: 1, estimates: 0 }, { ts: bucket(NOW - 30_000), min: 5990, mean: 5990, max: 5990, count: 1, estimates: 0 }];
    expect(body.buckets).toEqual(wanted);
    const tooMany = await getJson(`${base}/readings?sensor=tank-north-level&from=${NOW - 90 * 86_400_000}&to=${NOW}&every=1000`);
    expect(tooMany).toMatchObject({ status: 400, body: { code: "CS_ERR_QUERY_INVALID" } });
    expect(tooMany.body.message).toMatch(/every: 1000 ms makes more than 10000 buckets .*ask for bigger buckets$/);
    const notANumber = await getJson(`${base}/readings?sensor=tank-north-level&every=1h`);
    expect(notANumber).toMatchObject({ status: 400, body: { code: "CS_ERR_QUERY_INVALID" } });
    expect(notANumber.body.message).toContain("every: expected a bucket size in milliseconds");
  });

  it("answers bad queries with a code", async () => {
    const missing = await getJson(`${base}/readings`);
    expect(missing).toMatchObject({ status: 400, body: { code: "CS_ERR_QUERY_INVALID" } });
    const unknown = await getJson(`${base}/readings?sensor=moon-level`);
    expect(unknown).toMatchObject({ status: 404, body: { code: "CS_ERR_SENSOR_UNKNOWN" } });
    const badTime = await getJson(`${base}/readings?sensor=tank-north-level&from=yesterday`);
    expect(badTime).toMatchObject({ status: 400, body: { code: "CS_ERR_QUERY_INVALID" } });
    expect(badTime.body.message).toContain("from: expected milliseconds since 1970 or an ISO 8601 time");
    const backwards = await getJson(`${base}/readings?sensor=tank-north-level&from=${NOW}&to=${NOW - 60_000}`);
    expect(backwards).toMatchObject({ status: 400, body: { code: "CS_ERR_QUERY_INVALID" } });
    expect(backwards.body.message).toContain(`from: ${new Date(NOW).toISOString()} is after to (${new Date(NOW - 60_000).toISOString()})`);
  });

  it("answers a path it does not serve, or an alert it does not know, with a 404 and a code, not an HTML page", async () => {
    const res = await fetch(`${base}/reading?sensor=tank-north-level`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ code: "CS_ERR_ROUTE_UNKNOWN", message: "no such API route: GET /api/reading" });
    const post = await fetch(`${base}/latest`, { method: "POST" });
    expect(post.status).toBe(404);
    expect(await post.json()).toMatchObject({ code: "CS_ERR_ROUTE_UNKNOWN" });
    const noAlert = await fetch(`${base}/alerts/no-such-alert/acknowledged`, { method: "POST" });
    expect(noAlert.status).toBe(404);
    expect(await noAlert.json()).toEqual({ code: "CS_ERR_ALERT_UNKNOWN", message: "no such alert: no-such-alert" });
  });
});
