// Ten restarts of a whole gateway (same data directory) with an alert and an aid request active:
// no notification repeats, and the clear that follows is recorded once.
import { afterAll, describe, expect, it } from "vitest";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { Gateway } from "../../gateway/gateway.ts";
import { getJson } from "../helpers/get-json.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { postCropLoss } from "../helpers/crop-assessment.ts";

describe("gateway restarts", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const config = parseGatewayConfig({ dataDir: dir.path, mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0, anonymousWrites: true }, nodeRed: { enabled: false } }, "test");
  const boards = loadBoardDir("boards");
  const start = async () => {
    const g = new Gateway({ config, boards, log: testLog });
    await g.start();
    return g;
  };
  const assess = (g: Gateway, value: number) => postCropLoss(g.http.url, value);

  it("ten restarts with the crop-failure alert active: no duplicate notification, no lost clear", async () => {
    let g = await start();
    expect((await assess(g, 40)).status).toBe(201);
    const raised = (await getJson(`${g.http.url}/api/notifications`)).body.map((n: { kind: string }) => n.kind);
    expect(raised).toEqual(["alert-raised", "aid-open", "aid-open"]); // seeds and food
    for (let i = 0; i < 10; i++) {
      await g.stop();
      g = await start();
      g.triggers.evaluateNow();
    }
    const { body: active } = await getJson(`${g.http.url}/api/alerts?active=1`);
    expect(active.map((a: { ruleId: string }) => a.ruleId)).toEqual(["crop-failure"]);
    expect((await getJson(`${g.http.url}/api/notifications`)).body).toHaveLength(3);
    // The food team reassesses; the gateway restarts right after: the clear stays recorded, once.
    expect((await assess(g, 5)).status).toBe(201);
    await g.stop();
    g = await start();
    g.triggers.evaluateNow();
    const kinds = (await getJson(`${g.http.url}/api/notifications`)).body.map((n: { kind: string }) => n.kind);
    expect(kinds).toEqual(["alert-raised", "aid-open", "aid-open", "alert-cleared", "aid-withdrawn", "aid-withdrawn"]);
    expect((await getJson(`${g.http.url}/api/alerts?active=1`)).body).toEqual([]);
    await g.stop();
  });
});
