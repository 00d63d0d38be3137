import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TriggerEngine } from "../../../gateway/triggers/engine.ts";
import { parseRules, loadRulesFile } from "../../../gateway/triggers/rules.ts";
import { TriggerState } from "../../../gateway/triggers/trigger-state.ts";
import { figure, type Figures } from "../../../gateway/reserves/figures.ts";
import { problemsOf as problemsWith } from "../../helpers/problems-of.ts";
import { aidRequestSchema } from "../../../protocol/federation.ts";
import { evaluate } from "../../../protocol/expression.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";

const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);
const MIN = 60_000;
const known = new Set(["water.daysLeft", "water.stockLitres", "water.dailyNeedLitres", "power.socPct", "sensor.tank-north-level.silentMinutes"]);

const rulesDoc = {
  deadmanGraceAfterStart: "10m",
  rules: [
    {
      id: "water-low",
      when: "water.daysLeft < 3",
      for: "5m",
      clear: "water.daysLeft > 4",
      urgency: "Emergency",
      actions: [
        { alert: "Water below 3 days" },
        { aid: { resource: "water", unit: "L", quantity: "7 * water.dailyNeedLitres - water.stockLitres", alternativesTried: ["water budget by consensus"] } },
      ],
    },
    { id: "tank-silent", when: "sensor.tank-north-level.silentMinutes > 15", clear: "sensor.tank-north-level.silentMinutes < 5", urgency: "Routine", actions: [{ alert: "tank sensor silent" }] },
  ],
};

function waterFigures(daysLeft: number, silentMinutes = 0): Figures {
  const need = 180 * 15;
  return {
    "water.daysLeft": figure(daysLeft, "days"),
    "water.stockLitres": figure(daysLeft * need, "L"),
    "water.dailyNeedLitres": figure(need, "L/day"),
    "power.socPct": figure(80, "%"),
    "sensor.tank-north-level.silentMinutes": figure(silentMinutes, "min"),
  };
}

describe("trigger engine", () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: { now: number };
  let state: TriggerState;
  const engine = () => new TriggerEngine({ village: "riverbend", rules: parseRules(rulesDoc, "rules.yaml", known), state, log: testLog, now: () => clock.now });

  beforeEach(() => {
    dir = tempDir();
    clock = { now: T0 };
    state = new TriggerState(dir.path);
    state.open();
  });
  afterEach(() => {
    state.close();
    dir.remove();
  });

  it("lists the newest 500 notifications, oldest first", () => {
    for (let i = 1; i <= 501; i++) state.notify({ at: new Date(T0 + i * MIN).toISOString(), kind: "alert-raised", ref: `r${i}`, text: `n${i}` });
    const listed = state.notifications();
    expect(listed).toHaveLength(500);
    expect([listed[0].ref, listed[499].ref]).toEqual(["r2", "r501"]);
  });

  it("numbers a request made by hand past every one made before, however many others came since", () => {
    const e = engine();
    const ask = { resource: "medical-supplies" as const, amount: 4, unit: "kits" as const, urgency: "Priority" as const, neededWithinDays: 3, duration: "temporary" as const, enables: "wound care", alternativesTried: [] };
    expect(e.askByHand(ask).id).toBe("riverbend:by-hand#1:0");
    expect(e.withdrawByHand("riverbend:by-hand#1:0")).toMatchObject({ status: "withdrawn", version: 2 });
    // 600 of a rule's requests later, the first by-hand one is out of the newest 500 listed.
    for (let i = 1; i <= 600; i++) state.saveAidRequest({ ...state.aidRequest("riverbend:by-hand#1:0")!, id: `riverbend:water-low#${i}:0`, reason: { rule: "water-low", figures: {} } });
    expect(state.aidRequests().some((r) => r.id.includes("by-hand"))).toBe(false);
    expect(e.askByHand(ask).id).toBe("riverbend:by-hand#2:0");
    expect(e.withdrawByHand("riverbend:water-low#1:0"), "a rule's own is not withdrawn by hand").toBeUndefined();
  });

  it("fires an aid request once and withdraws it when stock recovers", () => {
    const e = engine();
    for (let m = 0; m <= 30; m++) {
      clock.now = T0 + m * MIN;
      e.evaluate(waterFigures(2.5 - m * 0.01));
    }
    const open = state.aidRequests();
    expect(open).toHaveLength(1);
    expect(aidRequestSchema.parse(open[0])).toMatchObject({ id: "riverbend:water-low#1:0", status: "open", village: "riverbend", urgency: "Emergency" });
    // Raised after the 5 min `for`, at 2.45 days: the litres back to 7 days.
    expect(open[0].quantity[0]).toEqual({ amount: Math.round((7 - 2.45) * 2700), unit: "L" });
    // Recovery passes the clear threshold.
    clock.now += MIN;
    e.evaluate(waterFigures(4.5));
    const [withdrawn] = state.aidRequests();
    expect(withdrawn).toMatchObject({ status: "withdrawn", version: 2 });
    expect(state.notifications().map((n) => n.kind)).toEqual(["alert-raised", "aid-open", "alert-cleared", "aid-withdrawn"]);
    expect(state.unsent(10).map((o) => JSON.parse(o.payload).status)).toEqual(["open", "withdrawn"]);
  });

  it("waits out the `for` duration before raising", () => {
    const e = engine();
    e.evaluate(waterFigures(2));
    clock.now += 4 * MIN;
    e.evaluate(waterFigures(2));
    expect(state.alerts()).toHaveLength(0);
    clock.now += MIN;
    e.evaluate(waterFigures(2));
    expect(state.alerts(true)).toHaveLength(1);
  });

  it("sends a new version when the need moves by more than 10 %, up or down (a delivery lowers it)", () => {
    const e = engine();
    e.evaluate(waterFigures(2.9));
    clock.now += 5 * MIN;
    e.evaluate(waterFigures(2.9)); // raised: need 7 - 2.9 = 4.1 days of water
    clock.now += MIN;
    e.evaluate(waterFigures(2.7)); // 4.3 days: under 10 % more
    expect(state.aidRequests()[0]).toMatchObject({ status: "open", version: 1 });
    clock.now += MIN;
    e.evaluate(waterFigures(2.4)); // 4.6 days: 12 % more
    expect(state.aidRequests()[0]).toMatchObject({ status: "updated", version: 2, quantity: [{ amount: Math.round(4.6 * 2700), unit: "L" }] });
    clock.now += MIN;
    e.evaluate(waterFigures(2.7)); // 4.3 days: under 10 % less
    expect(state.aidRequests()[0]).toMatchObject({ version: 2 });
    clock.now += MIN;
    e.evaluate(waterFigures(3.9)); // a part delivery: 3.1 days still needed, 33 % less
    expect(state.aidRequests()[0]).toMatchObject({ status: "updated", version: 3, quantity: [{ amount: Math.round(3.1 * 2700), unit: "L" }] });
  });

  it("raises at most one alert for a flapping input: threshold +- noise for 10 simulated minutes", () => {
    const e = engine();
    let seed = 7;
    for (let s = 0; s <= 600; s += 10) {
      clock.now = T0 + s * 1000;
      seed = (seed * 48271) % 2147483647;
      const noise = ((seed / 2147483647) * 2 - 1) * 0.3;
      e.evaluate(waterFigures(3 + noise));
    }
    expect(state.notifications().filter((n) => n.kind === "alert-raised").length).toBeLessThanOrEqual(1);
  });

  it("suppresses a re-raise within quietAfterClear", () => {
    const e = engine();
    e.evaluate(waterFigures(1));
    clock.now += 5 * MIN;
    e.evaluate(waterFigures(1));
    clock.now += MIN;
    e.evaluate(waterFigures(5)); // cleared
    for (let m = 0; m < 25; m++) {
      clock.now += MIN;
      e.evaluate(waterFigures(1));
    }
    expect(state.notifications().filter((n) => n.kind === "alert-raised")).toHaveLength(1);
    clock.now += 10 * MIN;
    e.evaluate(waterFigures(1));
    clock.now += 5 * MIN;
    e.evaluate(waterFigures(1));
    expect(state.notifications().filter((n) => n.kind === "alert-raised")).toHaveLength(2);
  });

  it("clears an active alert by hand: its request withdrawn, quiet for quietAfterClear, raised anew if the need stands", () => {
    const e = engine();
    e.evaluate(waterFigures(1));
    clock.now += 5 * MIN;
    e.evaluate(waterFigures(1));
    const [alert] = state.alerts(true);
    expect(alert.id).toBe("water-low#1");
    expect(e.clearByHand("water-low#2", waterFigures(1))).toBeUndefined(); // no such episode
    expect(e.clearByHand("tank-silent#1", waterFigures(1))).toBeUndefined(); // not active
    expect(e.clearByHand(alert.id, waterFigures(1))).toMatchObject({ id: alert.id, clearedAt: expect.any(String) });
    expect(state.alerts(true)).toEqual([]);
    expect(state.aidRequests().map((r) => r.status)).toEqual(["withdrawn"]);
    expect(state.notifications()).toContainEqual(expect.objectContaining({ kind: "alert-cleared", ref: "water-low#1", text: "cleared by hand: Water below 3 days" }));
    expect(e.clearByHand(alert.id, waterFigures(1))).toBeUndefined(); // once
    for (let m = 0; m < 25; m++) {
      clock.now += MIN;
      e.evaluate(waterFigures(1));
    }
    expect(state.alerts(true)).toEqual([]); // the default 30 minutes' quiet
    clock.now += 10 * MIN;
    e.evaluate(waterFigures(1));
    clock.now += 5 * MIN;
    e.evaluate(waterFigures(1));
    expect(state.alerts(true).map((a) => a.id)).toEqual(["water-low#2"]);
  });

  it("survives ten gateway restarts with an alert active: no duplicate notification, no lost clear", () => {
    let e = engine();
    e.evaluate(waterFigures(2));
    clock.now += 5 * MIN;
    e.evaluate(waterFigures(2));
    for (let i = 0; i < 10; i++) {
      state.close();
      state = new TriggerState(dir.path);
      state.open();
      e = engine();
      clock.now += MIN;
      e.evaluate(waterFigures(2));
    }
    expect(state.notifications().map((n) => n.kind)).toEqual(["alert-raised", "aid-open"]);
    // The need is gone while the gateway is down; the first evaluation after the restart clears it.
    state.close();
    state = new TriggerState(dir.path);
    state.open();
    e = engine();
    clock.now += 60 * MIN;
    e.evaluate(waterFigures(6));
    expect(state.notifications().map((n) => n.kind)).toEqual(["alert-raised", "aid-open", "alert-cleared", "aid-withdrawn"]);
  });

  it("does not run deadman rules in the first minutes after a restart", () => {
    const e = engine();
    e.evaluate(waterFigures(10, 30)); // sensor silent 30 min, but we just started
    expect(state.alerts()).toHaveLength(0);
    clock.now += 11 * MIN;
    e.evaluate(waterFigures(10, 41));
    expect(state.alerts(true).map((a) => a.ruleId)).toEqual(["tank-silent"]);
  });
});

describe("trigger rule files", () => {
  const problemsOf = (fn: () => unknown) => problemsWith("CS_ERR_RULES_INVALID", fn);

  it("names the file and field of a figure that does not exist, a bad formula and a bad duration", () => {
    const problems = problemsOf(() =>
      parseRules(
        {
          rules: [
            { id: "a", when: "water.dayLeft < 3", urgency: "Routine", actions: [{ alert: "x" }] },
            { id: "b", when: "water.daysLeft <", urgency: "Routine", actions: [{ alert: "x" }] },
            { id: "c", when: "water.daysLeft < 1", for: "soon", urgency: "Routine", actions: [{ aid: { resource: "water", unit: "L", quantity: "10 * water.need" } }] },
          ],
        },
        "rules.yaml",
        known,
      ),
    );
    expect(problems).toEqual([
      'rules.yaml: rules[0].when: unknown figure "water.dayLeft"',
      "rules.yaml: rules[1].when: unexpected end of expression",
      'rules.yaml: rules[2].for: "soon" is not a duration such as 90s, 15m, 2h or 1d',
      'rules.yaml: rules[2].actions[0].aid.quantity: unknown figure "water.need"',
    ]);
  });

  it("takes ifMissing(value, stand-in) in a formula, with exactly two arguments", () => {
    const rule = (quantity: string) => ({ rules: [{ id: "a", when: "water.daysLeft < 3", urgency: "Routine", actions: [{ aid: { resource: "water", unit: "L", quantity } }] }] });
    const set = parseRules(rule("ifMissing(water.stockLitres, 0) + 1"), "rules.yaml", known);
    const q = set.rules[0].aid[0].quantity;
    expect(evaluate(q, (n) => (n === "water.stockLitres" ? 5 : null))).toBe(6);
    expect(evaluate(q, () => null)).toBe(1);
    expect(problemsOf(() => parseRules(rule("ifMissing(water.stockLitres)"), "rules.yaml", known))).toEqual([
      "rules.yaml: rules[0].actions[0].aid.quantity: ifMissing takes two arguments (a value and what stands in while it is missing), found 1",
    ]);
  });

  it("keeps the rule id by-hand for the requests people make, and names a rule id used twice", () => {
    const rule = (id: string) => ({ id, when: "water.daysLeft < 3", urgency: "Routine", actions: [{ alert: "x" }] });
    expect(problemsOf(() => parseRules({ rules: [rule("by-hand"), rule("a"), rule("a")] }, "r.yaml", known))).toEqual([
      'r.yaml: rules[0].id: "by-hand" is kept for the requests people make by hand',
      'r.yaml: rules[2].id: "a" is used twice',
    ]);
  });

  it("rejects an unknown urgency with its field", () => {
    const problems = problemsOf(() => parseRules({ rules: [{ id: "a", when: "water.daysLeft < 3", urgency: "Panic", actions: [{ alert: "x" }] }] }, "r.yaml", known));
    expect(problems[0]).toMatch(/^r\.yaml: rules\[0\]\.urgency: /);
  });

  it("loads the shipped default trigger matrix against the reference village's figures", async () => {
    const { Reserves } = await import("../../../gateway/reserves/reserves.ts");
    const { parseGatewayConfig } = await import("../../../gateway/config/load.ts");
    const { DeviceRegistry } = await import("../../../gateway/ingest/device-registry.ts");
    const { loadBoardDir } = await import("../../../protocol/board/load.ts");
    const { Bus } = await import("../../../gateway/bus.ts");
    const config = parseGatewayConfig({}, "test");
    const reserves = new Reserves({ config, bus: new Bus(testLog), registry: new DeviceRegistry(loadBoardDir("boards")), store: undefined as never });
    const registry = new DeviceRegistry(loadBoardDir("boards"));
    const set = loadRulesFile("gateway/triggers/default-rules.yaml", new Set(reserves.figureNames()), new Set(registry.outputs()));
    expect(set.rules.map((r) => r.id)).toContain("crop-failure");
  });
});
