// The Grafana dashboard a village can import (deploy/grafana/commons-sense.json): every panel's
// InfluxQL query, run against a real influxd holding what the gateway stored, returns the series it
// is meant to draw: good readings only, and for days left the gateway's estimates as series of their
// own that the panel draws dashed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { readFileSync } from "node:fs";
import { startInfluxd, type Influxd } from "../helpers/start-influxd.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { deviceTopic } from "../../protocol/topics.ts";

interface Panel {
  title: string;
  targets: { query: string; alias?: string }[];
  fieldConfig: { overrides: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[] };
}
const dashboard = JSON.parse(readFileSync("deploy/grafana/commons-sense.json", "utf8")) as { panels: Panel[] };

describe("the Grafana dashboard's queries on the gateway's InfluxDB", () => {
  let influxd: Influxd;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const db = "commons_sense";
  const query = async (q: string) => {
    const res = await fetch(`${influxd.url}/query?db=${db}&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results: { series?: { tags?: Record<string, string>; values: [string, number | null][] }[]; error?: string }[] };
    return body.results[0];
  };
  const asRun = (q: string) => q.replaceAll("$timeFilter", "time > now() - 1h").replaceAll("$__interval", "1m");

  beforeAll(async () => {
    influxd = await startInfluxd();
    gw = await startTestGateway({ influx: { url: `${influxd.url}/${db}` } });
    const ts = Date.now() - 60_000;
    const send = async (device: string, readings: [string, number | null, string][]) => {
      const client = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: device });
      await client.publishAsync(deviceTopic("readings", device), JSON.stringify({
        device,
        readings: readings.map(([sensor, value, unit], i) => ({ seq: i + 1, sensor, value, unit, quality: value === null ? "invalid" : "good", ts, clock: "synced" })),
      }), { qos: 1 });
      await client.endAsync();
    };
    // The battery first: the reserve figures are kept at the first stored batch (then every 10 min),
    // when power's days left is known and water's (one tank invalid below) is not.
    await send("power-main", [["battery-voltage", 51, "V"], ["battery-current", 4, "A"], ["battery-soc", 70, "%"], ["solar-power", 900, "W"]]);
    // Kept before the other boards' batches arrive: the ingest would otherwise store them with the
    // battery's in one write, and food's days left would be known at that first keeping too.
    await waitFor("the reserve figures kept", async () => (await query("SELECT count(\"seq\") FROM \"reading\" WHERE \"device\" = 'reserve-figures'")).series !== undefined, { timeoutMs: 20_000 });
    await send("water-main", [["tank-north-level", 6_000, "L"], ["tank-south-level", null, "L"], ["cistern-level", 21_000, "L"], ["main-flow", 3, "L/min"], ["pump-running", 0, "bool"]]);
    await send("pantry-main", [["grain-bin", 820, "kg"], ["legumes-bin", 300, "kg"], ["oil-store", 90, "kg"], ["cold-store-temp", 4, "°C"]]);
    await send("greenhouse-main", [["air-temp", 21, "°C"], ["air-humidity", 60, "%RH"], ["light", 20_000, "lx"], ["bed-1-moisture", 35, "%"]]);
    // Every board's batch and the reserve figures stored, not only the first of them.
    const devices = ["power-main", "water-main", "pantry-main", "greenhouse-main", "reserve-figures"];
    await waitFor("every board's readings and the reserve figures in influxd", async () => {
      const stored = ((await query("SELECT count(\"seq\") FROM \"reading\" GROUP BY \"device\"")).series ?? []).map((x) => x.tags!.device);
      return devices.every((d) => stored.includes(d));
    }, { timeoutMs: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await influxd?.dispose();
  });

  it("every panel's query runs and draws the sensors it names, good readings only", async () => {
    const drawn = new Map<string, string[]>();
    const named = new Map<string, string[]>();
    for (const panel of dashboard.panels) {
      const result = await query(asRun(panel.targets[0].query));
      expect(result.error, panel.title).toBeUndefined();
      const series = (result.series ?? []).filter((s) => s.values.some(([, v]) => v !== null));
      expect(series.length, `${panel.title}: a series with values`).toBeGreaterThan(0);
      drawn.set(panel.title, series.map((s) => s.tags!.sensor).sort());
      // Each series' name as Grafana makes it from the alias ($tag_x: the series' tag x).
      named.set(panel.title, series.map((s) => (panel.targets[0].alias ?? "$tag_sensor").replace(/\$tag_(\w+)/g, (_, tag: string) => s.tags![tag])));
    }
    const of = (start: string) => [...drawn.entries()].find(([title]) => title.startsWith(start))![1];
    // The south tank's only reading was invalid: no line for it, not a line at 0.
    expect(of("Water in each tank")).toEqual(["cistern-level", "tank-north-level"]);
    // Power's days left was known; water's was missing (a tank invalid) and draws no point at all.
    expect(of("Days left")).toEqual(["power-days-left"]);
    // Power's days left was kept as the gateway had it (an estimate while its history is short), and
    // the series is named for that quality; the panel dashes exactly the estimates' series.
    const kept = await query("SELECT \"value\", \"quality\" FROM \"reading\" WHERE \"sensor\" = 'power-days-left'");
    const qualities = [...new Set((kept.series![0].values as unknown as [string, number, string][]).map((row) => row[2]))];
    expect(qualities).toEqual(["estimate"]);
    const daysPanel = dashboard.panels.find((p) => p.title.startsWith("Days left"))!;
    const [name] = [...named.entries()].find(([title]) => title.startsWith("Days left"))![1];
    expect(name).toBe("power-days-left (estimate)");
    const dashed = daysPanel.fieldConfig.overrides.filter((o) => o.properties.some((p) => p.id === "custom.lineStyle"));
    expect(dashed.map((o) => new RegExp(o.matcher.options).test(name))).toEqual([true]);
    expect(dashed.map((o) => new RegExp(o.matcher.options).test("power-days-left (good)"))).toEqual([false]);
    expect(of("Battery charge")).toEqual(["battery-soc"]);
    expect(of("Pantry staples")).toEqual(["grain-bin", "legumes-bin", "oil-store"]);
    expect(of("Greenhouse air and soil")).toEqual(["air-temp", "bed-1-moisture"]);
  });
});
