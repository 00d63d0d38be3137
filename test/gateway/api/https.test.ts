// The API and dashboards over HTTPS (http.tls), with the usual security headers; the gateway's
// own flows reach its API on a loopback-only listener, since they would not trust the village's
// certificate. A login cookie over HTTPS is Secure.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { TEST_ACCOUNTS } from "../../helpers/test-accounts.ts";
import { makeTestCerts, type TestCerts } from "../../helpers/test-certs.ts";


function httpsJson(url: string, ca: Buffer, options: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { ca, method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("HTTPS for the API and dashboards", () => {
  let certs: TestCerts;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  beforeAll(async () => {
    certs = makeTestCerts();
    gw = await startTestGateway({
      http: { host: "127.0.0.1", port: 0, tls: { certFile: certs.certFile, keyFile: certs.keyFile } },
      nodeRed: { enabled: false, accounts: TEST_ACCOUNTS },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    certs?.remove();
  });

  it("serves the API over TLS to a client that trusts the village CA, with security headers", async () => {
    expect(gw.gateway.http.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await httpsJson(`${gw.gateway.http.url}/api/health`, readFileSync(certs.caFile));
    expect(res.status).toBe(200);
    expect(res.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
    await expect(httpsJson(`${gw.gateway.http.url}/api/health`, readFileSync(certs.otherCaFile))).rejects.toThrow();
    // Plain HTTP to the TLS port gets no API.
    await expect(fetch(gw.gateway.http.url.replace("https:", "http:") + "/api/health")).rejects.toThrow();
  });

  it("a login over HTTPS sets a Secure cookie", async () => {
    const res = await httpsJson(`${gw.gateway.http.url}/login`, readFileSync(certs.caFile), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account: "kitchen", password: "village-test-pw" }) });
    expect(res.status).toBe(200);
    expect(String(res.headers["set-cookie"])).toMatch(/cs_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure/);
  });

  it("the gateway's own flows reach the API on loopback only, and writes there still need credentials", async () => {
    const local = gw.gateway.http.localUrl;
    expect(local).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${local}/api/health`)).status).toBe(200);
    const anonymous = await fetch(`${local}/api/village`, { method: "POST", headers: { "content-type": "application/json" }, body: "{\"headCount\":1}" });
    expect(anonymous.status).toBe(401);
    const flows = await fetch(`${local}/api/village`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${gw.gateway.accounts.flowsToken}` }, body: "{\"headCount\":179}" });
    expect(flows.status).toBe(200);
  });
});
