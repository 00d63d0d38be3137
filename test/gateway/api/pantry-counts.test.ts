// POST /api/pantry/counts: a kitchen's count becomes a reading of its own, reaches the store and
// moves the food figures; bad counts get a message naming the field and change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { getJson, type Json } from "../../helpers/get-json.ts";
import { waitFor } from "../../helpers/wait-for.ts";

async function post(url: string, body: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe("pantry counts", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let api: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    api = `${gw.gateway.http.url}/api`;
  });
  afterAll(() => gw.stop());

  it("stores a count as a reading of pantry-counts and turns it into kg and days left", async () => {
    const before = (await getJson(`${api}/reserves`)).body.figures;
    expect(before["food.grain.kg"].value).toBeNull(); // no scale has reported in this gateway
    expect(before["food.daysLeftNorm"].value).toBeNull();

    const counted = { grain: 820, legumes: 310, oil: 95 };
    for (const [staple, kg] of Object.entries(counted)) {
      const res = await post(`${api}/pantry/counts`, { staple, kg });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ device: "pantry-counts", sensor: `count-${staple}`, value: kg, unit: "kg", quality: "good" });
    }
    const stored = await gw.gateway.store.latest();
    expect(stored.filter((r) => r.device === "pantry-counts").map((r) => [r.sensor, r.value]).sort()).toEqual([
      ["count-grain", 820], ["count-legumes", 310], ["count-oil", 95],
    ]);
    const after = (await getJson(`${api}/reserves`)).body.figures;
    expect(after["food.grain.kg"]).toMatchObject({ value: 820, unit: "kg", uncertain: false });
    const kcal = 820 * 3_400 + 310 * 3_400 + 95 * 8_840;
    expect(after["food.kcal"].value).toBe(kcal);
    expect(after["food.daysLeftNorm"].value).toBeCloseTo(kcal / (180 * 2_100), 6);

    // A newer count replaces the older one in the figures.
    await post(`${api}/pantry/counts`, { staple: "grain", kg: 700 });
    expect((await getJson(`${api}/reserves`)).body.figures["food.grain.kg"].value).toBe(700);
  });

  it("refuses negative, non-numeric, unknown and future counts with the field named, and stores nothing", async () => {
    const storedBefore = await gw.gateway.store.sequences("pantry-counts");
    const cases: Array<[unknown, RegExp]> = [
      [{ staple: "grain", kg: -5 }, /: kg: cannot be negative/],
      [{ staple: "grain", kg: "lots" }, /: kg: a number of kilograms/],
      [{ staple: "rice", kg: 10 }, /: staple: not a staple of this village \(known: grain, legumes, oil\)/],
      [{ staple: "oil", kg: 10, by: "Ana" }, /by/], // who counted is not recorded
      [{ staple: "oil", kg: 10, at: "2099-01-01T00:00:00Z" }, /: at: in the future/],
      [{ staple: "oil", kg: 10, at: "yesterday" }, /: at: a date and time/],
    ];
    for (const [body, message] of cases) {
      const res = await post(`${api}/pantry/counts`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("CS_ERR_PANTRY_COUNT_INVALID");
      expect(res.body.message).toMatch(message);
    }
    expect(await gw.gateway.store.sequences("pantry-counts")).toEqual(storedBefore);
  });

  it("does not let a device on the network publish as pantry-counts", async () => {
    const client = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "impostor" });
    const readings = [{ seq: 1, sensor: "count-grain", value: 99_999, unit: "kg", quality: "good", ts: Date.now(), clock: "synced" }];
    await client.publishAsync("cs/v1/dev/pantry-counts/readings", JSON.stringify({ device: "pantry-counts", readings }), { qos: 1 });
    await waitFor("the rejection counted", () => (gw.gateway.ingest.counters.rejected.CS_ERR_DEVICE_UNKNOWN ?? 0) >= 1);
    await client.endAsync();
    expect((await getJson(`${api}/reserves`)).body.figures["food.grain.kg"].value).toBe(700);
  });
});
