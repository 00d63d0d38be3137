// A real gateway started the way a village would (`npm run gateway -- --config village.yaml`) with
// no accounts configured: every figure can be read, nothing can be changed, and it says so at start
// and in /api/health. Opening writes to anonymous callers is a choice the configuration must make,
// and the gateway warns about it at every start.
import { afterEach, describe, expect, it } from "vitest";
import { startGatewayProcess, type GatewayProcess } from "../../helpers/gateway-process.ts";
import { getJson } from "../../helpers/get-json.ts";

const post = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("a gateway with no accounts", () => {
  let gw: GatewayProcess | undefined;
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
  });

  it("is read-only by default: every anonymous write is refused with CS_ERR_WRITES_DISABLED, and it says so", async () => {
    gw = await startGatewayProcess();
    const writes: Array<[string, unknown]> = [
      ["/api/village", { headCount: 1 }],
      ["/api/commands", { device: "water-main", output: "cistern-pump", action: "on", ttlSeconds: 86_400 }],
      ["/api/assessments", { name: "greenhouse.cropLossPct", value: 90 }],
      ["/api/pantry/counts", { staple: "grain", kg: 0 }],
      ["/api/alerts/any/acknowledged", {}],
      ["/api/aid-requests/any/fulfilled", {}],
    ];
    for (const [path, body] of writes) {
      const res = await post(gw.base, path, body);
      expect(res.status, path).toBe(403);
      expect(await res.json(), path).toMatchObject({ code: "CS_ERR_WRITES_DISABLED" });
    }
    const village = await getJson(`${gw.base}/api/village`);
    expect(village.body.headCount).toBe(180);
    expect((await getJson(`${gw.base}/api/commands`)).body).toEqual([]);
    const health = (await getJson(`${gw.base}/api/health`)).body;
    expect(health.access).toMatchObject({ writes: "read-only", accounts: 0, refusedWrites: { CS_ERR_WRITES_DISABLED: writes.length } });
    expect(gw.output()).toContain("figures are read-only");
    // Everything stays readable.
    for (const path of ["/api/reserves", "/api/latest", "/api/alerts", "/api/aid-requests", "/api/audit"]) expect((await fetch(`${gw.base}${path}`)).status, path).toBe(200);
    expect((await fetch(`${gw.base}/login`)).status).toBe(200);
  }, 90_000);

  it("opens writes to anyone only when http.anonymousWrites says so, warns at start, and records them as anonymous", async () => {
    gw = await startGatewayProcess({ http: { anonymousWrites: true } });
    expect((await post(gw.base, "/api/village", { headCount: 175 })).status).toBe(200);
    expect((await getJson(`${gw.base}/api/health`)).body.access.writes).toBe("anonymous");
    expect(gw.output()).toContain("ANYONE on the network may change");
    expect((await getJson(`${gw.base}/api/audit`)).body[0]).toMatchObject({ account: "anonymous", path: "/api/village", status: 200 });
  }, 90_000);
});
