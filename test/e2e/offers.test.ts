// Every resource moves (issue: figures and aid requests that follow the village's real position):
// a village offers seeds through its API, a neighbour's crop failure asks for seeds, the hub
// proposes them, and once agreed they come off the offer, in the summary the hub sees next; an
// agreed transfer not yet sent is cancelled when the need goes, one sent on its way is not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FederationHub } from "../../gateway/federation/hub.ts";
import { freePort } from "../helpers/free-port.ts";
import { getJson } from "../helpers/get-json.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { postCropLoss } from "../helpers/crop-assessment.ts";

describe("offers between two village gateways and a hub", () => {
  const dir = tempDir();
  let hub: FederationHub;
  let riverbend: Awaited<ReturnType<typeof startTestGateway>>;
  let hillside: Awaited<ReturnType<typeof startTestGateway>>;
  const post = (gw: typeof riverbend, path: string, body?: unknown) =>
    fetch(`${gw.gateway.http.url}/api${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });

  beforeAll(async () => {
    const hubPort = await freePort();
    hub = new FederationHub({ villages: ["riverbend", "hillside"], mqtt: { host: "127.0.0.1", port: hubPort }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await hub.start();
    const rules = join(dir.path, "rules.yaml");
    writeFileSync(rules, `rules:
  - id: crop-failure
    when: greenhouse.cropLossPct > 20
    clear: greenhouse.cropLossPct < 10
    urgency: Emergency
    quietAfterClear: 1s   # the test raises it again at once
    actions:
      - aid: { resource: seeds, unit: kg, quantity: greenhouse.cropLossPct * 0.5 }
`);
    const federation = { hubUrl: `mqtt://127.0.0.1:${hubPort}`, summaryIntervalMs: 60_000 };
    riverbend = await startTestGateway({ village: { id: "riverbend", name: "Riverbend", headCount: 180 }, triggersFile: rules, federation });
    hillside = await startTestGateway({ village: { id: "hillside", name: "Hillside", headCount: 170 }, federation });
    await waitFor("both links", () => riverbend.gateway.link?.connected && hillside.gateway.link?.connected);
  });
  afterAll(async () => {
    await riverbend?.stop();
    await hillside?.stop();
    await hub?.stop();
    dir.remove();
  });

  it("refuses water and food as offers, and a bad amount, naming the field; keeps nothing of it", async () => {
    const water = await post(hillside, "/offers", { offers: [{ resource: "water", amount: 5000, unit: "L" }] });
    expect(water.status).toBe(400);
    expect(await water.json()).toMatchObject({ code: "CS_ERR_OFFER_INVALID", message: expect.stringContaining("offers[0].resource") });
    const negative = await post(hillside, "/offers", { offers: [{ resource: "seeds", amount: -3, unit: "kg" }] });
    expect(negative.status).toBe(400);
    expect(await negative.json()).toMatchObject({ code: "CS_ERR_OFFER_INVALID", message: expect.stringContaining("offers[0].amount") });
    expect((await getJson(`${hillside.gateway.http.url}/api/offers`)).body).toEqual([]);
  });

  it("an offer reaches the hub at once, is proposed against a neighbour's need, and comes off once agreed", async () => {
    const offered = await post(hillside, "/offers", { offers: [{ resource: "seeds", amount: 30, unit: "kg", note: "bean and squash seed" }] });
    expect(offered.status).toBe(200);
    await waitFor("the offer at the hub", () => hub.summaries.get("hillside")?.offers[0]?.amount === 30);

    expect((await postCropLoss(riverbend.gateway.http.url, 40)).status).toBe(201); // 20 kg of seed asked
    const proposal = await waitFor("a seed proposal at hillside", () => hillside.gateway.link?.proposals.find((p) => p.resource === "seeds" && p.status === "proposed"));
    expect(proposal).toMatchObject({ from: "hillside", to: "riverbend", quantity: { amount: 20, unit: "kg" } });
    expect((await post(hillside, `/federation/proposals/${encodeURIComponent(proposal.id)}/accept`)).status).toBe(202);

    // The hub's list shows it accepted; hillside takes it off its offer and says so in its summary.
    await waitFor("10 kg left on offer at hillside", async () => (await getJson(`${hillside.gateway.http.url}/api/offers`)).body[0]?.amount === 10);
    await waitFor("the hub to see 10 kg on offer", () => hub.summaries.get("hillside")?.offers[0]?.amount === 10);
    const need = hub.needs.find((n) => n.village === "riverbend" && n.resource === "seeds");
    expect(need).toMatchObject({ asked: 20, inTransit: 20, uncovered: 0 });
    // Nothing offered twice: no second proposal for the same 20 kg.
    expect(hub.proposals.filter((p) => p.resource === "seeds" && p.status === "proposed")).toEqual([]);
  });

  it("an agreed transfer not yet sent is cancelled when the need goes: the donor keeps it and its offer comes back", async () => {
    const [agreed] = [...hub.accepted.values()].filter((p) => p.resource === "seeds");
    expect(agreed.status).toBe("accepted");
    // The crop recovers before hillside loaded the seed: the rule clears and the request is withdrawn.
    expect((await postCropLoss(riverbend.gateway.http.url, 5)).status).toBe(201);
    const cancelled = await waitFor("hillside told the transfer is cancelled", () => hillside.gateway.link?.proposals.find((p) => p.id === agreed.id && p.status === "cancelled"));
    expect(cancelled).toMatchObject({ from: "hillside", to: "riverbend", quantity: { amount: 20, unit: "kg" } });
    expect(hub.accepted.has(agreed.id)).toBe(false);
    await waitFor("the 20 kg back on offer at hillside", async () => (await getJson(`${hillside.gateway.http.url}/api/offers`)).body[0]?.amount === 30);
    await waitFor("the hub to see 30 kg on offer", () => hub.summaries.get("hillside")?.offers[0]?.amount === 30);
    // Saying it left anyway is refused with a word that says why, and changes nothing.
    const late = await post(hillside, `/federation/proposals/${encodeURIComponent(agreed.id)}/dispatched`);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: "CS_ERR_TRANSFER_CANCELLED", message: expect.stringContaining("keep it") });
    // Nothing is counted on the road to riverbend any more.
    expect(hub.needs.filter((n) => n.village === "riverbend")).toEqual([]);
  });

  it("a transfer sent on its way stays on the road when the need goes, until riverbend says it arrived", async () => {
    await new Promise((r) => setTimeout(r, 1_100)); // the rule's quiet second after its clear
    expect((await postCropLoss(riverbend.gateway.http.url, 40)).status).toBe(201);
    const proposal = await waitFor("a new seed proposal at hillside", () => hillside.gateway.link?.proposals.find((p) => p.resource === "seeds" && p.status === "proposed"));
    expect((await post(hillside, `/federation/proposals/${encodeURIComponent(proposal.id)}/accept`)).status).toBe(202);
    await waitFor("accepted at the hub", () => hub.accepted.get(proposal.id)?.status === "accepted");
    expect((await post(hillside, `/federation/proposals/${encodeURIComponent(proposal.id)}/dispatched`)).status).toBe(202);
    await waitFor("riverbend sees it on the road", () => riverbend.gateway.link?.proposals.some((p) => p.id === proposal.id && p.status === "dispatched"));
    // The need goes while the seed is on the road: it still arrives, and stays listed until it has.
    expect((await postCropLoss(riverbend.gateway.http.url, 5)).status).toBe(201);
    await waitFor("the request withdrawn at the hub", () => [...hub.requests.values()].some((r) => proposal.id.startsWith(`${r.id}@`) && r.status === "withdrawn"));
    expect(hub.cancelled.has(proposal.id)).toBe(false);
    expect(riverbend.gateway.link?.proposals.find((p) => p.id === proposal.id)).toMatchObject({ status: "dispatched" });
    expect((await post(riverbend, `/federation/proposals/${encodeURIComponent(proposal.id)}/delivered`)).status).toBe(202);
    await waitFor("off the list once arrived", () => !riverbend.gateway.link?.proposals.some((p) => p.id === proposal.id));
  });
});
