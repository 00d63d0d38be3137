// Every flow file in flows/ runs in a real Node-RED (node-red-node-test-helper) against a running
// simulated village: the dashboard widgets are replaced by helper nodes, which assert the
// messages the project nodes and the flows' own nodes deliver to them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { loadFlowFiles, type FlowNode } from "../../gateway/dashboard/flow-files.ts";
import { startTestVillage, type TestVillage } from "../helpers/test-village.ts";
import { waitFor } from "../helpers/wait-for.ts";

const require = createRequire(import.meta.url);
// The helper is CommonJS with no types; what is used of it is named here.
const helper = require("node-red-node-test-helper") as {
  init(runtimePath: string): void;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  load(nodes: unknown[], flow: unknown[]): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): { on(event: "input", cb: (msg: Record<string, unknown>) => void): void; receive(msg: Record<string, unknown>): void } | null;
};
helper.init(require.resolve("node-red"));
const csNodes = require("../../flows/nodes/commons-sense/commons-sense.js");
const changeNode = require("@node-red/nodes/core/function/15-change.js");

/** A flow file as it would run, with each dashboard node standing in as a helper node. */
function withHelpers(nodes: FlowNode[]): FlowNode[] {
  return nodes
    .filter((n) => !["ui-base", "ui-theme", "ui-page", "ui-group"].includes(n.type))
    .map((n) => (n.type.startsWith("ui-") ? { id: n.id, type: "helper", z: n.z, wires: n.wires ?? [[]] } : n));
}

describe("flow files in a real Node-RED", () => {
  const files = loadFlowFiles("flows");
  const shared = files.find((f) => f.file.endsWith("shared.json"))!.nodes.filter((n) => n.type === "cs-gateway");
  let v: TestVillage;
  beforeAll(async () => {
    v = await startTestVillage();
    process.env.CS_GATEWAY_HTTP_URL = v.gateway.http.url;
    process.env.CS_GATEWAY_TOKEN = v.gateway.accounts.flowsToken;
    process.env.CS_DASHBOARD_LOGIN = "false";
    await helper.startServer();
  }, 60_000);
  afterAll(async () => {
    await helper.unload();
    await helper.stopServer();
    await v?.stop();
  });

  it("has the overview, one file per audience, the alert bar on every page, and the shared config", () => {
    expect(files.map((f) => f.file.replace("flows/", "")).sort()).toEqual(["aid.json", "alert-bar.json", "greenhouse.json", "overview.json", "pantry.json", "shared.json", "village.json", "water-power.json"]);
  });

  it("charts every tank, the battery and the sun, every staple with a scale and every greenhouse bed, with axes from 0", () => {
    const all = files.flatMap((f) => f.nodes);
    const charted = new Map<string, FlowNode[]>();
    for (const n of all.filter((x) => x.type === "cs-reading" && Number(x.historyHours) > 0)) {
      for (const id of (n.wires as string[][]).flat()) {
        const chart = all.find((c) => c.id === id && c.type === "ui-chart");
        if (chart) charted.set(n.sensor as string, [...(charted.get(n.sensor as string) ?? []), chart]);
      }
    }
    const wanted = ["tank-north-level", "tank-south-level", "cistern-level", "battery-soc", "solar-power", "grain-bin", "legumes-bin", "oil-store", "air-temp", "bed-1-moisture", "bed-2-moisture", "bed-3-moisture", "bed-4-moisture"];
    for (const sensor of wanted) expect(charted.get(sensor)?.length, `a chart of ${sensor}`).toBeGreaterThan(0);
    for (const sensor of wanted.filter((s) => s !== "air-temp")) for (const chart of charted.get(sensor)!) expect(chart.ymin, `${chart.id}'s axis`).toBe("0");
  });

  for (const name of ["water-power", "pantry", "greenhouse", "aid", "village", "alert-bar"]) {
    it(`${name}.json: every widget receives what it shows`, async () => {
      const nodes = files.find((f) => f.file.endsWith(`${name}.json`))!.nodes;
      const flow = [...shared, ...withHelpers(nodes)];
      // A chart is sent no empty history (ui-chart takes an empty array for "clear every series"):
      // its widget is fed once the village has stored one of its sensors.
      const charted = [...new Set(nodes.filter((n) => n.type === "cs-reading" && Number(n.historyHours) > 0).map((n) => n.sensor as string))];
      await waitFor("a reading of every charted sensor stored", async () => {
        const stored = new Set((await v.gateway.store.latest()).map((r) => r.sensor));
        return charted.every((sensor) => stored.has(sensor));
      });
      await helper.load([csNodes, changeNode], flow);
      // Widgets fed by a reading or reserve node: each must receive a message with a payload.
      // (cs-alert's second output and cs-aid-request's fifth answer a tap only.)
      const tapOnly: Record<string, number> = { "cs-alert": 1, "cs-aid-request": 4 };
      const fed = new Set(nodes.filter((n) => /^cs-(reading|reserve|alert|aid-request|output)$/.test(n.type)).flatMap((n) => (n.wires as string[][]).filter((_, k) => k !== tapOnly[n.type]).flat()));
      const received = new Map<string, Record<string, unknown>>();
      for (const id of fed) helper.getNode(id)!.on("input", (msg) => received.set(id, msg));
      await waitFor(`${fed.size} widgets fed`, () => received.size === fed.size, { timeoutMs: 20_000 });
      for (const [id, msg] of received) {
        const source = nodes.find((n) => (n.wires as string[][] | undefined)?.flat().includes(id))!;
        if (source.type === "cs-reserve") expect(msg, id).toMatchObject({ topic: source.figure, unit: expect.any(String), text: expect.any(String) });
        else if (source.type === "cs-reading" && source.historyHours === "0") expect(msg, id).toMatchObject({ topic: source.sensor, unit: expect.any(String), quality: expect.stringMatching(/^(good|estimate|invalid)$/) });
        else expect(msg.payload, id).toBeDefined();
      }
      await helper.unload();
    }, 40_000);
  }

  it("nodes polling on the same tick share one request per path, and a tick with nothing new sends nothing", async () => {
    // Two figures that stay put, polled every second by two nodes each.
    const flow = [
      ...shared,
      ...["a", "b"].map((id) => ({ id: `target-${id}`, type: "cs-reserve", z: "t", gateway: shared[0].id, figure: "water.targetDays", interval: "1", wires: [[`seen-${id}`]] })),
      ...["c", "d"].map((id) => ({ id: `head-${id}`, type: "cs-reserve", z: "t", gateway: shared[0].id, figure: "village.headCount", interval: "1", wires: [[`seen-${id}`]] })),
      ...["a", "b", "c", "d"].map((id) => ({ id: `seen-${id}`, type: "helper", z: "t", wires: [] })),
    ];
    const realFetch = globalThis.fetch;
    const asked: string[] = [];
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      asked.push(new URL(String(input)).pathname);
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      await helper.load([csNodes], flow);
      const seen = new Map<string, number>();
      for (const id of ["a", "b", "c", "d"]) helper.getNode(`seen-${id}`)!.on("input", () => seen.set(id, (seen.get(id) ?? 0) + 1));
      await new Promise((r) => setTimeout(r, 3_500)); // the start and three more ticks
      const reserves = asked.filter((p) => p === "/api/reserves").length;
      expect(reserves, "one request a tick for the four nodes").toBeGreaterThanOrEqual(3);
      expect(reserves).toBeLessThanOrEqual(5);
      expect(Object.fromEntries(seen), "each figure sent once: the ticks after found nothing new").toEqual({ a: 1, b: 1, c: 1, d: 1 });
    } finally {
      globalThis.fetch = realFetch;
      await helper.unload();
    }
  });

  it("village.json: the assembly's change is saved and answered on the form; a bad one is refused", async () => {
    const nodes = files.find((f) => f.file.endsWith("village.json"))!.nodes;
    await helper.load([csNodes, changeNode], [...shared, ...withHelpers(nodes)]);
    const answers: string[] = [];
    helper.getNode("txt-village-result")!.on("input", (msg) => answers.push(msg.text as string));
    helper.getNode("village-change")!.receive({ payload: { headCount: "190", waterLitresPerPersonDay: "", foodKcalPerPersonDay: "2200" } });
    await waitFor("an answer", () => answers.length === 1);
    expect(answers[0]).toBe("Saved: 190 people, 15 L water and 2200 kcal per person a day");
    expect(v.gateway.reserves.village()).toMatchObject({ headCount: 190, norms: { waterLitresPerPersonDay: 15, foodKcalPerPersonDay: 2200 } });
    helper.getNode("village-change")!.receive({ payload: { headCount: "-3" } });
    await waitFor("a second answer", () => answers.length === 2);
    expect(answers[1]).toMatch(/^Not saved: headCount: /);
    expect(v.gateway.reserves.village().headCount).toBe(190);
    await helper.unload();
  });

  it("pantry.json: a form submission is saved and answered on the form", async () => {
    const nodes = files.find((f) => f.file.endsWith("pantry.json"))!.nodes;
    await helper.load([csNodes, changeNode], [...shared, ...withHelpers(nodes)]);
    const answers: string[] = [];
    helper.getNode("txt-count-result")!.on("input", (msg) => answers.push(msg.text as string));
    helper.getNode("count")!.receive({ payload: { staple: "oil", kg: "42.5" } }); // what ui-form sends
    helper.getNode("count")!.receive({ payload: { staple: "oil", kg: -1 } });
    await waitFor("two answers", () => answers.length === 2);
    expect(answers.sort()).toEqual(["Not saved: kg: cannot be negative", expect.stringMatching(/^Saved: oil 42\.5 kg; it stands over the scale until \w{3} \d\d:\d\d$/)]);
    expect((await v.gateway.store.latest()).find((r) => r.sensor === "count-oil")).toMatchObject({ value: 42.5 });
    await helper.unload();
  });

  it("a chart draws estimates as a series of their own and a reading's text says it is one", async () => {
    // Days left kept as history: measured for 40 hours, then resting on a norm (an estimate) for 8,
    // then the latest, an estimate a minute ahead (so that it stays the latest whatever the village
    // keeps of its own meanwhile).
    const HOUR = 3_600_000;
    const start = Math.floor((Date.now() - 50 * HOUR) / HOUR) * HOUR;
    const norm = { quality: "estimate" as const, warning: "less than 1 h of history: norm-based figure used" };
    const kept = Array.from({ length: 48 }, (_, k) => ({
      device: "reserve-figures", seq: 60_000_000 + k, sensor: "water-days-left", value: 10 - k / 10, unit: "days" as const,
      ts: start + k * HOUR, clock: "synced" as const, ...(k < 40 ? { quality: "good" as const } : norm),
    }));
    const latest = { ...kept[0], seq: 60_000_100, value: 5.1, ts: Date.now() + 60_000, ...norm };
    await v.gateway.store.write([...kept, latest]);
    const flow = [
      ...shared,
      { id: "week", type: "cs-reading", z: "t", gateway: shared[0].id, sensor: "water-days-left", interval: "3600", historyHours: "168", wires: [["chart"]] },
      { id: "now", type: "cs-reading", z: "t", gateway: shared[0].id, sensor: "water-days-left", interval: "3600", historyHours: "0", wires: [["text"]] },
      { id: "chart", type: "helper", z: "t", wires: [] },
      { id: "text", type: "helper", z: "t", wires: [] },
    ];
    await helper.load([csNodes], flow);
    try {
      const series = new Map<string, { x: number; y: number }[]>();
      const live: Record<string, unknown>[] = [];
      helper.getNode("chart")!.on("input", (msg) => (msg.history ? series.set(msg.topic as string, msg.payload as { x: number; y: number }[]) : live.push(msg)));
      let text: string | undefined;
      helper.getNode("text")!.on("input", (msg) => (text = msg.text as string));
      await waitFor("both series' history, the latest point and the text", () => series.has("water-days-left") && series.has("water-days-left (estimate)") && live.length > 0 && text);
      // 168 h in 500 steps is 21-minute buckets: one kept reading each (the village's own, kept
      // since it started, come after them).
      const mine = (part: { x: number; y: number }[]) => part.filter((p) => p.x <= kept.at(-1)!.ts);
      expect(mine(series.get("water-days-left")!).map((p) => p.y)).toEqual(kept.slice(0, 40).map((r) => r.value));
      expect(mine(series.get("water-days-left (estimate)")!).map((p) => p.y)).toEqual(kept.slice(40).map((r) => r.value));
      expect(live[0]).toMatchObject({ topic: "water-days-left (estimate)", payload: { y: 5.1 } });
      expect(Date.parse((live[0].payload as { x: string }).x)).toBe(latest.ts);
      expect(text).toBe("5.1 days (estimate: less than 1 h of history: norm-based figure used)");
    } finally {
      await helper.unload();
    }
  });

  it("a season's chart (90 days) draws the store's bucket means, never moving the raw readings", async () => {
    // 90 days of a tank every 30 minutes, rising by 10 L a day (last in this file: it is history
    // the other tests' figures would read).
    const DAY = 86_400_000;
    const start = Date.now() - 89.5 * DAY;
    const history = Array.from({ length: Math.floor((89.4 * DAY) / 1_800_000) }, (_, k) => ({
      device: "water-main", seq: 50_000_000 + k, sensor: "tank-north-level", value: 1_000 + (k * 1_800_000 * 10) / DAY,
      unit: "L" as const, quality: "good" as const, ts: start + k * 1_800_000, clock: "synced" as const,
    }));
    await v.gateway.store.write(history);
    const flow = [...shared, { id: "season", type: "cs-reading", z: "t", gateway: shared[0].id, sensor: "tank-north-level", interval: "3600", historyHours: "2160", wires: [["chart"]] }, { id: "chart", type: "helper", z: "t", wires: [] }];
    const realFetch = globalThis.fetch;
    const asked: string[] = [];
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      asked.push(String(input));
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      await helper.load([csNodes], flow);
      let drawn: { x: number; y: number }[] | undefined;
      helper.getNode("chart")!.on("input", (msg) => {
        if (msg.history) drawn = msg.payload as { x: number; y: number }[];
      });
      await waitFor("the season's history", () => drawn, { timeoutMs: 20_000 });
      const readings = asked.filter((u) => u.includes("/api/readings"));
      expect(readings.length).toBeGreaterThan(0);
      for (const u of readings) expect(new URL(u).searchParams.has("every"), u).toBe(true); // never the raw readings
      const every = Number(new URL(readings[0]).searchParams.get("every"));
      expect(every).toBe(260 * 60_000); // 90 days in 500 steps, in whole minutes
      // About 500 points from a season of 4,300 readings, each the mean of its bucket.
      expect(drawn!.length).toBeGreaterThan(480);
      expect(drawn!.length).toBeLessThanOrEqual(500);
      expect(drawn!.every((p) => p.x % every === 0)).toBe(true);
      expect(drawn![0].x).toBeLessThanOrEqual(start);
      expect(drawn!.at(-1)!.x).toBeGreaterThan(Date.now() - 2 * DAY);
      for (const p of drawn!.slice(1, -1)) {
        const inBucket = history.filter((r) => r.ts >= p.x && r.ts < p.x + every);
        expect(p.y).toBeCloseTo(inBucket.reduce((sum, r) => sum + r.value, 0) / inBucket.length, 6);
      }
    } finally {
      globalThis.fetch = realFetch;
      await helper.unload();
    }
  });
});
