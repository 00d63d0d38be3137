// Figures a volunteer cannot misread, in a real browser on real Node-RED: a board that goes silent
// shows its readings as stale within its stale time, and the reserve figures built on them as
// uncertain with the reason; a missing battery reading is shown as missing, never as 0 %. The
// devices speak real MQTT to the gateway's broker; the clock is the wall clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import type { Browser, Page } from "playwright-core";
import { deviceTopic } from "../../protocol/topics.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { launchChromium } from "../helpers/browser.ts";
import { getJson } from "../helpers/get-json.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { TEST_ACCOUNTS } from "../helpers/test-accounts.ts";

const SHOTS = "test-results/dashboards";
const STALE_S = 6;

describe("figures that say when they cannot be trusted", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let browser: Browser;
  let page: Page;
  const clients = new Map<string, MqttClient>();
  let seq = 0;
  const publish = (device: string, readings: { sensor: string; value: number | null; unit: string; warning?: string }[]) =>
    clients.get(device)!.publishAsync(
      deviceTopic("readings", device),
      JSON.stringify({ device, readings: readings.map((r) => ({ seq: ++seq, quality: r.value === null ? "invalid" : "good", ts: Date.now(), clock: "synced", ...r })) }),
      { qos: 1 },
    );
  /** The text beside a label, once the flow has filled it in. */
  const textOf = (label: string, matching: RegExp) =>
    waitFor(`"${label}" to read ${matching}`, async () => {
      const row = page.locator(".nrdb-ui-text", { hasText: label }).first();
      const value = ((await row.count()) ? await row.innerText() : "").replace(label, "").trim();
      return matching.test(value) ? value : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });

  beforeAll(async () => {
    gw = await startTestGateway({ nodeRed: { enabled: true, accounts: TEST_ACCOUNTS }, reserves: { staleAfterMinutes: STALE_S / 60 } }, undefined);
    for (const d of ["water-main", "power-main"]) clients.set(d, await mqtt.connectAsync(gw.gateway.broker.url, { clientId: d }));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 412, height: 915 } });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients.values()) await c.endAsync();
    await browser?.close();
    await gw?.stop();
  });

  it("a board gone silent: its readings turn stale and the figures on them uncertain, saying why; a missing battery reading is missing, not 0 %", async () => {
    const tanks = [
      { sensor: "tank-north-level", value: 5000, unit: "L" },
      { sensor: "tank-south-level", value: 4000, unit: "L" },
      { sensor: "cistern-level", value: 20000, unit: "L" },
    ];
    await publish("water-main", tanks);
    await publish("power-main", [{ sensor: "battery-soc", value: null, unit: "%", warning: "no VE.Direct block for 30 s: check the cable" }]);
    await page.goto(`${gw.gateway.http.url}/dashboard/water-power`);
    expect(await textOf("North tank", /^5000 L$/)).toBe("5000 L");
    // A fresh village has under an hour of history: days left is the norm's estimate, and says so.
    expect(await textOf("Days of water left", /^[\d.]+ days/)).toMatch(/^[\d.]+ days \(uncertain: less than 1 h of history: norm-based figure used\)$/);
    expect(await textOf("Battery charge", /./)).toBe("missing: battery-soc: invalid (no VE.Direct block for 30 s: check the cable)");
    expect(await page.locator(".nrdb-ui-text", { hasText: "Battery charge" }).first().innerText()).not.toMatch(/\b0 %/);

    // The water board stops: nothing new arrives, and within the stale time (plus one poll) the
    // same values say they are old.
    const silentAt = Date.now();
    const north = await textOf("North tank", /stale/);
    expect(Date.now() - silentAt).toBeLessThan((STALE_S + 15) * 1000);
    expect(north).toMatch(/^5000 L \(stale: last reading \d+ s ago\)$/);
    expect(await textOf("Water in store", /uncertain/)).toMatch(/^29000 L \(uncertain: tank-north-level: silent for \d+ s; tank-south-level: silent for \d+ s; cistern-level: silent for \d+ s\)$/);
    await page.screenshot({ path: `${SHOTS}/water-power-stale.png`, fullPage: true });

    // The board comes back: fresh again, without the mark.
    await publish("water-main", tanks);
    expect(await textOf("North tank", /^5000 L$/)).toBe("5000 L");
    expect(await textOf("Water in store", /^29000 L$/)).toBe("29000 L");

    // The overview answers "are we all right?" with the same honesty: days against each target,
    // the doubt on the figure, missing as missing.
    await page.goto(`${gw.gateway.http.url}/dashboard/overview`);
    const card = (domain: string) => page.locator(`[data-cs=overview] [data-domain=${domain}]`);
    await card("water").waitFor({ timeout: 30_000 });
    expect(await card("water").innerText()).toMatch(/Water\s+[\d.]+ days\s+(at or above|below) its 7-day target[\s\S]*in store 29\.0 kL[\s\S]*Uncertain: [\s\S]*less than 1 h of history: norm-based figure used/);
    expect(await card("power").innerText()).toMatch(/Power\s+missing\s+no figure: battery-soc: invalid \(no VE\.Direct block for 30 s: check the cable\)/);
    expect(await card("power").getAttribute("class")).toContain("cs-ov-missing");
    expect(await card("food").innerText()).toMatch(/Food\s+missing\s+no figure: grain-bin: no reading yet/);
    expect(await card("greenhouse").innerText()).toMatch(/Greenhouse\s+0 % crop loss\s+growing as planned/);
    // What is broken is on the overview too, for everyone: the lying battery sensor, the boards
    // that never connected, each named as /api/health names it.
    const health = page.locator("[data-cs=overview] [data-cs=health]");
    await waitFor("the problems on the overview", async () => /Needs fixing/.test(await health.innerText()));
    const problems = (await getJson(`${gw.gateway.http.url}/api/health`)).body.problems as string[];
    expect(problems.some((p) => /^sensor battery-soc /.test(p))).toBe(true);
    expect(problems.some((p) => /^device \S+ has never connected$/.test(p))).toBe(true);
    // The page polls every 5 s and a problem may come or go meanwhile ("silent for 12 s" grows):
    // the list catches up with the API, figures aside.
    const shape = (list: string[]) => JSON.stringify(list.map((p) => p.replace(/\d+/g, "#")));
    await waitFor("the overview listing every problem /api/health names", async () => {
      const now = (await getJson(`${gw.gateway.http.url}/api/health`)).body.problems as string[];
      const listed = await health.locator("li").allInnerTexts();
      return shape(listed) === shape(now) && new RegExp(`^Needs fixing \\(${now.length}\\)`).test(await health.innerText());
    }, { timeoutMs: 20_000 });
    await page.screenshot({ path: `${SHOTS}/overview-missing.png`, fullPage: true });
  }, 90_000);
});
