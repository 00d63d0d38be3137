// A flood of wrong passwords is answered cheaply: an address that goes on guessing at a locked
// account is throttled itself, and a throttled address's logins and HTTP Basic writes are refused
// before the web stack, with the same answers the login route and the write guard give.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Accounts } from "../../../gateway/security/accounts.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { requestFrom } from "../../helpers/http-from.ts";
import { TEST_ACCOUNTS } from "../../helpers/test-accounts.ts";

describe("throttling a flood of wrong passwords", () => {
  it("an address guessing on at a locked account is throttled itself; an address that never guessed is not", async () => {
    let now = 1_000_000;
    const accounts = new Accounts(TEST_ACCOUNTS.map((a) => ({ permissions: "*" as const, ...a })), { now: () => now });
    try {
      // 21 wrong passwords for the kitchen from 21 addresses, one each: the account is locked,
      // none of those addresses is.
      for (let i = 0; i < 21; i++) expect((await accounts.login("kitchen", `guess-${i}`, `10.0.0.${i}`)).ok).toBe(false);
      expect((await accounts.login("kitchen", "guess", "10.0.1.1")) as object).toMatchObject({ code: "CS_ERR_LOGIN_THROTTLED" });
      for (let i = 0; i < 5; i++) await accounts.login("kitchen", "guess", "10.0.1.1");
      expect(accounts.addressWaitMs("10.0.1.1")).toBeGreaterThan(0);
      expect(accounts.addressWaitMs("10.0.1.2")).toBe(0);
      expect(accounts.addressWaitMs("10.0.0.3")).toBe(0);
      // The address's own wait runs out like any other: a person who mistyped is not shut out.
      now += 2_000;
      expect(accounts.addressWaitMs("10.0.1.1")).toBe(0);
    } finally {
      await accounts.close();
    }
  }, 60_000);

  describe("a throttled address, over HTTP", () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    let base: string;
    const from = "127.0.0.77";
    beforeAll(async () => {
      gw = await startTestGateway({ http: { host: "127.0.0.1", port: 0 }, nodeRed: { enabled: false, accounts: TEST_ACCOUNTS } });
      base = gw.gateway.http.url;
      for (let i = 0; i < 6; i++) {
        await requestFrom(from, `${base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account: "maintenance", password: `guess-${i}` }) });
      }
      expect(gw.gateway.accounts.addressWaitMs(from)).toBeGreaterThan(0);
    }, 120_000);
    afterAll(async () => {
      await gw?.stop();
    });

    it("its form login gets the login page saying to wait, with the page's strict content policy and a Retry-After", async () => {
      const before = gw.gateway.accounts.counts.throttled;
      const res = await requestFrom(from, `${base}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "account=maintenance&password=village-test-pw&to=%2Fdashboard" });
      expect(res.status).toBe(429);
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
      expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(res.body).toContain("Too many wrong passwords. Wait a little, then try again.");
      expect(res.body).toContain('<form method=post action=/login>');
      expect(gw.gateway.accounts.counts.throttled).toBe(before + 1);
    });

    it("its JSON login and its HTTP Basic write get the API's code, counted where /api/health shows them", async () => {
      const login = await requestFrom(from, `${base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account: "maintenance", password: "village-test-pw" }) });
      expect(login.status).toBe(429);
      expect(JSON.parse(login.body)).toMatchObject({ code: "CS_ERR_LOGIN_THROTTLED" });
      const basic = `Basic ${Buffer.from("kitchen:guess").toString("base64")}`;
      const write = await requestFrom(from, `${base}/api/village`, { method: "POST", headers: { "content-type": "application/json", authorization: basic }, body: JSON.stringify({ headCount: 2 }) });
      expect(write.status).toBe(429);
      expect(JSON.parse(write.body)).toMatchObject({ code: "CS_ERR_LOGIN_THROTTLED" });
      const health = (await (await fetch(`${base}/api/health`)).json()) as { access: { refusedWrites: Record<string, number> } };
      expect(health.access.refusedWrites.CS_ERR_LOGIN_THROTTLED).toBeGreaterThanOrEqual(1);
    });

    it("it still reads everything, and another address logs in", async () => {
      expect((await requestFrom(from, `${base}/api/health`)).status).toBe(200);
      expect((await requestFrom(from, `${base}/login`)).status).toBe(200);
      const other = await requestFrom("127.0.0.78", `${base}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account: "kitchen", password: "village-test-pw" }) });
      expect(other.status).toBe(200);
    });
  });
});
