// Escalation without a screen (issue: figures and aid requests that follow the village's real
// position): a need of the village's that nobody in the federation can give, as the real hub says,
// becomes figures the default rules raise an alert on, Emergency after two hours for an Emergency
// need; the alert clears once the need is covered or gone. Without a federation link the figures
// are missing, never 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FederationHub } from "../../gateway/federation/hub.ts";
import { Gateway } from "../../gateway/gateway.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { freePort } from "../helpers/free-port.ts";
import { getJson } from "../helpers/get-json.ts";
import { postCropLoss } from "../helpers/crop-assessment.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

describe("a need nobody in the federation can give raises an alert", () => {
  const dir = tempDir("cs-escalation-");
  const clock = { now: Date.now() };
  let hub: FederationHub;
  let gateway: Gateway;
  const figures = async () => (await getJson(`${gateway.http.url}/api/reserves`)).body.figures as Record<string, { value: number | null; reasons?: string[] }>;
  const alerts = async () => (await getJson(`${gateway.http.url}/api/alerts?active=1`)).body as { ruleId: string; urgency: string; message: string }[];

  beforeAll(async () => {
    const hubPort = await freePort();
    hub = new FederationHub({ villages: ["riverbend", "hillside"], mqtt: { host: "127.0.0.1", port: hubPort }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    await hub.start();
    const config = parseGatewayConfig({
      village: { id: "riverbend", name: "Riverbend", headCount: 180 }, dataDir: dir.path,
      mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0, anonymousWrites: true }, nodeRed: { enabled: false },
      federation: { hubUrl: `mqtt://127.0.0.1:${hubPort}` },
    }, "test");
    gateway = new Gateway({ config, boards: loadBoardDir("boards"), log: testLog, now: () => clock.now });
    await gateway.start();
    await waitFor("the federation link", () => gateway.link?.connected);
  }, 30_000);
  afterAll(async () => {
    await gateway?.stop();
    await hub?.stop();
    dir.remove();
  });

  it("counts the needs the hub cannot cover and how long; after two hours of an Emergency need, an Emergency alert", async () => {
    // The crop fails: seed (no neighbour offers any) and food (no neighbour has sent a summary) are asked for.
    expect((await postCropLoss(gateway.http.url, 40)).status).toBe(201);
    await waitFor("both needs uncovered, as the hub told the village", async () => (await figures())["federation.uncoveredNeeds"].value === 2);
    expect((await figures())["federation.uncoveredEmergencyHours"].value).toBeLessThan(0.01);
    clock.now += 1.9 * 3_600_000;
    gateway.triggers.evaluateNow();
    expect((await alerts()).filter((a) => a.ruleId.startsWith("aid-uncovered"))).toEqual([]);
    clock.now += 0.2 * 3_600_000;
    gateway.triggers.evaluateNow();
    const [raised] = (await alerts()).filter((a) => a.ruleId.startsWith("aid-uncovered"));
    expect(raised).toMatchObject({ ruleId: "aid-uncovered-emergency", urgency: "Emergency", message: expect.stringMatching(/^Nobody in the federation can give what we asked for in an Emergency/) });
    expect((await figures())["federation.uncoveredEmergencyHours"].value).toBeCloseTo(2.1, 1);
  });

  it("clears once the needs are gone", async () => {
    expect((await postCropLoss(gateway.http.url, 0)).status).toBe(201); // the crop recovers: both requests withdrawn
    await waitFor("no uncovered need left", async () => (await figures())["federation.uncoveredNeeds"].value === 0);
    gateway.triggers.evaluateNow();
    expect((await alerts()).filter((a) => a.ruleId.startsWith("aid-uncovered"))).toEqual([]);
  });

  it("without a federation link the figures are missing and say why", async () => {
    const alone = await startTestGateway();
    try {
      const f = (await getJson(`${alone.gateway.http.url}/api/reserves`)).body.figures;
      for (const name of ["federation.uncoveredNeeds", "federation.uncoveredHours", "federation.uncoveredEmergencyHours"]) {
        expect(f[name], name).toMatchObject({ value: null, reasons: ["no federation link configured"] });
      }
    } finally {
      await alone.stop();
    }
  });
});
