// A need that shrinks (issue: figures and aid requests that follow the village's real position): a
// new version of a request asking less than what is agreed for it cancels the agreed transfers not
// yet sent, newest first, as long as the rest still covers it; one sent on its way stays. The
// hub's own logic, as the drills run it (no broker).
import { describe, expect, it } from "vitest";
import { FederationHub } from "../../../gateway/federation/hub.ts";
import type { AidRequest, ReserveSummary } from "../../../protocol/federation.ts";
import { fedTopic } from "../../../protocol/topics.ts";
import { testLog } from "../../helpers/test-log.ts";

const ID = "riverbend:crop-failure#1:0";

function seeds(version: number, kg: number): AidRequest {
  return {
    id: ID, village: "riverbend", resource: "seeds", quantity: [{ amount: kg, unit: "kg" }], urgency: "Emergency", neededBy: "2026-12-10T00:00:00.000Z",
    duration: "temporary", alternativesTried: [], enables: "replanting", status: version === 1 ? "open" : "updated", version,
    reason: { rule: "crop-failure", figures: {} }, updatedAt: new Date(Date.UTC(2026, 11, 7, version)).toISOString(),
  };
}

function summary(village: string, seedKg: number, hour: number): ReserveSummary {
  const domain = (stock: number, unit: string, dailyNeed: number) => ({ stock, unit, dailyNeed, targetDays: 7, daysLeft: stock / dailyNeed });
  return {
    village, headCount: 180, ts: new Date(Date.UTC(2026, 11, 7, hour)).toISOString(), water: domain(20_000, "L", 2_700), food: domain(2e7, "kcal", 378_000), power: domain(10_000, "Wh", 24_000),
    offers: seedKg ? [{ resource: "seeds", amount: seedKg, unit: "kg", whole: false, note: "" }] : [],
  };
}

describe("agreed transfers when a need shrinks", () => {
  it("cancels the newest unsent transfer the rest covers without, and keeps what is still needed or already sent", () => {
    const hub = new FederationHub({ villages: ["riverbend", "hillside", "millbrook"], mqtt: { host: "127.0.0.1", port: 0 }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    const send = (village: string, kind: "aid-requests" | "summary" | "proposal-replies", body: unknown) => expect(hub.handle(fedTopic(village, kind), Buffer.from(JSON.stringify(body)))).toBeUndefined();
    const accept = (from: string) => {
      const p = hub.proposals.find((x) => x.from === from && x.status === "proposed")!;
      send(from, "proposal-replies", { proposalId: p.id, village: from, accept: true });
      return p;
    };
    send("hillside", "summary", summary("hillside", 12, 1));
    send("millbrook", "summary", summary("millbrook", 10, 1));
    send("riverbend", "summary", summary("riverbend", 0, 1));
    // 20 kg asked: hillside's 12 and millbrook's 8, both agreed.
    send("riverbend", "aid-requests", seeds(1, 20));
    const fromHillside = accept("hillside");
    const fromMillbrook = accept("millbrook");
    expect([fromHillside.quantity.amount, fromMillbrook.quantity.amount]).toEqual([12, 8]);
    // Hillside sends its 12 kg on its way.
    send("hillside", "proposal-replies", { proposalId: fromHillside.id, village: "hillside", accept: true, dispatched: true });
    // Part of the crop recovers: 12 kg now cover the need. Millbrook's 8 kg, not yet sent, stay home.
    send("riverbend", "aid-requests", seeds(2, 12));
    expect(hub.cancelled.get(fromMillbrook.id)).toMatchObject({ status: "cancelled", from: "millbrook", quantity: { amount: 8 } });
    expect(hub.accepted.get(fromHillside.id)).toMatchObject({ status: "dispatched" });
    expect(hub.proposals.filter((p) => p.from === "millbrook")).toEqual([expect.objectContaining({ status: "cancelled" })]);
    // Smaller still: the sent 12 kg arrive whatever becomes of the need.
    send("riverbend", "aid-requests", seeds(3, 5));
    expect(hub.accepted.get(fromHillside.id)).toMatchObject({ status: "dispatched" });
    expect(hub.needs.find((n) => n.requestId === ID)).toMatchObject({ asked: 5, inTransit: 12, uncovered: 0 });
  });

  it("keeps every agreed transfer while the need is still more than the rest covers", () => {
    const hub = new FederationHub({ villages: ["riverbend", "hillside", "millbrook"], mqtt: { host: "127.0.0.1", port: 0 }, http: { host: "127.0.0.1", port: 0 }, log: testLog });
    const send = (village: string, kind: "aid-requests" | "summary" | "proposal-replies", body: unknown) => hub.handle(fedTopic(village, kind), Buffer.from(JSON.stringify(body)));
    send("hillside", "summary", summary("hillside", 12, 1));
    send("millbrook", "summary", summary("millbrook", 10, 1));
    send("riverbend", "aid-requests", seeds(1, 20));
    for (const from of ["hillside", "millbrook"]) {
      const p = hub.proposals.find((x) => x.from === from && x.status === "proposed")!;
      send(from, "proposal-replies", { proposalId: p.id, village: from, accept: true });
    }
    send("riverbend", "aid-requests", seeds(2, 15)); // 12 alone would not cover 15
    expect(hub.cancelled.size).toBe(0);
    expect([...hub.accepted.values()].map((p) => p.quantity.amount).sort((a, b) => a - b)).toEqual([8, 12]);
  });
});
