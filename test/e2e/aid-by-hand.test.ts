// What no sensor sees (issue: figures and aid requests that follow the village's real position):
// medical kits, a repair crew, battery modules. A circle's account asks for them through the API;
// the request goes to the real hub like a rule's, is matched against a neighbour's offer, and is
// withdrawn by people too. Without an account nothing is asked; a wrong field is named.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FederationHub } from "../../gateway/federation/hub.ts";
import type { AidRequest } from "../../protocol/federation.ts";
import { freePort } from "../helpers/free-port.ts";
import { getJson } from "../helpers/get-json.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { testLog } from "../helpers/test-log.ts";
import { TEST_ACCOUNTS, TEST_PASSWORD } from "../helpers/test-accounts.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("aid asked for by hand", () => {
  let hub: FederationHub;
  let riverbend: Awaited<ReturnType<typeof startTestGateway>>;
  let hillside: Awaited<ReturnType<typeof startTestGateway>>;
  const basic = (account: string) => `Basic ${Buffer.from(`${account}:${TEST_PASSWORD}`).toString("base64")}`;
  const post = (gw: typeof riverbend, path: string, body: unknown, account?: string) =>
    fetch(`${gw.gateway.http.url}/api${path}`, { method: "POST", headers: { "content-type": "application/json", ...(account ? { authorization: basic(account) } : {}) }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const hubPort = await freePort();
    hub = new FederationHub({ villages: ["riverbend", "hillside"], mqtt: { host: "127.0.0.1", port: hubPort }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await hub.start();
    const federation = { hubUrl: `mqtt://127.0.0.1:${hubPort}`, summaryIntervalMs: 60_000 };
    // The defaults: no anonymous writes; the circles' accounts.
    const secured = { http: { host: "127.0.0.1", port: 0 }, nodeRed: { enabled: false, accounts: TEST_ACCOUNTS }, federation };
    riverbend = await startTestGateway({ village: { id: "riverbend", name: "Riverbend", headCount: 180 }, ...secured });
    hillside = await startTestGateway({ village: { id: "hillside", name: "Hillside", headCount: 170 }, ...secured });
    await waitFor("both links", () => riverbend.gateway.link?.connected && hillside.gateway.link?.connected);
  }, 60_000);
  afterAll(async () => {
    await riverbend?.stop();
    await hillside?.stop();
    await hub?.stop();
  });

  const kits = { resource: "medical-supplies", amount: 4, unit: "kits", urgency: "Emergency", neededWithinDays: 2, enables: "wound care after the storm", alternativesTried: ["the clinic's own stock"] };

  it("refuses an ask without an account, from a read-only one, and a wrong field, naming it; nothing is sent", async () => {
    expect((await post(riverbend, "/aid-requests", kits)).status).toBe(401);
    expect((await post(riverbend, "/aid-requests", kits, "visitors")).status).toBe(403);
    const wrong = await post(riverbend, "/aid-requests", { ...kits, amount: -4, unit: "boxes" }, "maintenance");
    expect(wrong.status).toBe(400);
    const body = (await wrong.json()) as { code: string; message: string };
    expect(body.code).toBe("CS_ERR_AID_REQUEST_INVALID");
    expect(body.message).toMatch(/amount/);
    expect(body.message).toMatch(/unit/);
    expect((await post(riverbend, "/aid-requests", { ...kits, enables: " " }, "maintenance")).status).toBe(400);
    const water = await post(riverbend, "/aid-requests", { ...kits, resource: "water", unit: "L", amount: 5000 }, "maintenance");
    expect(await water.json()).toMatchObject({ code: "CS_ERR_AID_REQUEST_INVALID", message: expect.stringContaining("resource: water and food are asked for by the rules on the measured stocks, not by hand") });
    expect((await getJson(`${riverbend.gateway.http.url}/api/aid-requests`)).body).toEqual([]);
  });

  it("an account's ask goes to the hub, is proposed from a neighbour's offer, and is withdrawn by hand", async () => {
    expect((await post(hillside, "/offers", { offers: [{ resource: "medical-supplies", amount: 10, unit: "kits", note: "first-aid kits" }] }, "kitchen")).status).toBe(200);
    await waitFor("the offer at the hub", () => hub.summaries.get("hillside")?.offers[0]?.amount === 10);
    const asked = await post(riverbend, "/aid-requests", kits, "maintenance");
    expect(asked.status).toBe(201);
    const request = (await asked.json()) as AidRequest;
    expect(request).toMatchObject({ id: "riverbend:by-hand#1:0", village: "riverbend", resource: "medical-supplies", quantity: [{ amount: 4, unit: "kits" }], urgency: "Emergency", status: "open", reason: { rule: "by-hand" } });
    expect(await waitFor("the ask at the hub", () => hub.requests.get(request.id))).toMatchObject({ status: "open", enables: "wound care after the storm" });
    const proposal = await waitFor("a proposal at hillside", () => hillside.gateway.link?.proposals.find((p) => p.requestId === request.id));
    expect(proposal).toMatchObject({ from: "hillside", to: "riverbend", quantity: { amount: 4, unit: "kits" } });
    // A second ask gets a number of its own.
    const second = (await (await post(riverbend, "/aid-requests", { ...kits, resource: "repair-crew", amount: 4, unit: "crew-days", enables: "mending the spring's pipe" }, "maintenance")).json()) as AidRequest;
    expect(second.id).toBe("riverbend:by-hand#2:0");

    const withdrawn = await post(riverbend, `/aid-requests/${encodeURIComponent(request.id)}/withdrawn`, {}, "maintenance");
    expect(withdrawn.status).toBe(200);
    expect(await waitFor("the withdrawal at the hub", () => hub.requests.get(request.id)?.status === "withdrawn")).toBe(true);
    expect(hub.proposals.filter((p) => p.requestId === request.id && p.status === "proposed")).toEqual([]);
    // Once withdrawn it cannot be withdrawn again; a request no one made by hand is no one's to withdraw here.
    expect((await post(riverbend, `/aid-requests/${encodeURIComponent(request.id)}/withdrawn`, {}, "maintenance")).status).toBe(400);
    expect((await post(riverbend, `/aid-requests/${encodeURIComponent("riverbend:water-low#1:0")}/withdrawn`, {}, "maintenance")).status).toBe(400);
  });
});
