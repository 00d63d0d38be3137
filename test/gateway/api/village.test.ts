// The assembly's head count and norms: changed through the API, used by every figure at once, kept
// across a restart; a bad change is refused and changes nothing.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { getJson } from "../../helpers/get-json.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("village head count and norms", () => {
  it("changes the figures at once and survives a restart", async () => {
    const dir = tempDir();
    const dataDir = join(dir.path, "gw");
    let gw = await startTestGateway({ dataDir });
    let api = `${gw.gateway.http.url}/api`;
    expect((await getJson(`${api}/village`)).body).toMatchObject({ headCount: 180, norms: { waterLitresPerPersonDay: 15 } });

    const res = await post(`${api}/village`, { headCount: 212, norms: { waterLitresPerPersonDay: 20 } });
    expect(res.status).toBe(200);
    let figures = (await getJson(`${api}/reserves`)).body.figures;
    expect(figures["village.headCount"].value).toBe(212);
    expect(figures["water.dailyNeedLitres"].value).toBe(212 * 20);

    const bad = await post(`${api}/village`, { headCount: 0, residents: ["Ana"] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/headCount|residents/);
    const empty = await post(`${api}/village`, {});
    expect(empty.status).toBe(400);

    await gw.stop();
    gw = await startTestGateway({ dataDir });
    api = `${gw.gateway.http.url}/api`;
    figures = (await getJson(`${api}/reserves`)).body.figures;
    expect(figures["village.headCount"].value).toBe(212);
    expect(figures["water.dailyNeedLitres"].value).toBe(4_240);
    await gw.stop();
    dir.remove();
  });
});
