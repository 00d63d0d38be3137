// The flow editor switched off in the village configuration: no /admin at all, dashboards as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestVillage, type TestVillage } from "../helpers/test-village.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { TEST_ACCOUNTS } from "../helpers/test-accounts.ts";

describe("Node-RED editor switched off", () => {
  let v: TestVillage;
  beforeAll(async () => {
    v = await startTestVillage({ config: { nodeRed: { enabled: true, editor: false, accounts: [TEST_ACCOUNTS[0]] } } });
  }, 60_000);
  afterAll(() => v?.stop());

  it("serves no editor, not even its login, while the dashboards and /login still work", async () => {
    const base = v.gateway.http.url;
    expect((await fetch(`${base}/admin/`)).status).toBe(404);
    expect((await fetch(`${base}/admin/auth/login`)).status).toBe(404);
    await waitFor("the dashboards served", async () => (await fetch(`${base}/dashboard/water-power`)).status === 200);
    // Accounts still guard writes: the login page is there.
    expect(await (await fetch(`${base}/login`)).text()).toContain("<form method=post action=/login>");
  });
});
