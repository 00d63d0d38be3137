// What the dashboards cost over village Wi-Fi, measured in a real browser against the real gateway:
// everything is sent compressed, the hashed assets are kept by the browser for good, and a repeat
// visit fetches almost nothing. Byte counts only: timings belong to `npm run bench`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { launchChromium } from "../helpers/browser.ts";
import { assetsPrecompressed } from "../helpers/precompressed-assets.ts";

describe("dashboards over village Wi-Fi", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let browser: Browser;
  beforeAll(async () => {
    gw = await startTestGateway({ nodeRed: { enabled: true } });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it("sends the assets compressed with immutable caching, and a repeat visit transfers almost nothing", async () => {
    const base = gw.gateway.http.url;
    await assetsPrecompressed(base, 60_000);
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    // Bytes per visit: what the requests a visit makes moved over the wire.
    let visit = 0;
    const visitOf = new Map<string, number>();
    const bytes = [0, 0, 0];
    cdp.on("Network.requestWillBeSent", (e: { requestId: string }) => visitOf.set(e.requestId, visit));
    cdp.on("Network.loadingFinished", (e: { requestId: string; encodedDataLength: number }) => (bytes[visitOf.get(e.requestId) ?? 0] += e.encodedDataLength));
    const assets: { url: string; encoding?: string; cacheControl?: string }[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/dashboard/assets/") && /\.(js|css)$/.test(r.url())) assets.push({ url: r.url(), encoding: r.headers()["content-encoding"], cacheControl: r.headers()["cache-control"] });
    });
    visit = 1;
    await page.goto(`${base}/dashboard/overview`, { waitUntil: "networkidle" });
    // The icon font is fetched once glyphs need it; leaving before it is in would fetch it again.
    await page.evaluate("document.fonts.ready.then(() => true)");
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(1_000);
    const first = bytes[1];
    expect(assets.length).toBeGreaterThan(3);
    for (const a of assets) {
      expect(a.encoding, a.url).toMatch(/^(br|gzip)$/);
      expect(a.cacheControl, a.url).toMatch(/max-age=31536000.*immutable|immutable.*max-age=31536000/);
    }
    // About 5.2 MB raw, 1.85 MB compressed on the fly; at brotli's best 1.62 MB, 0.40 MB of it the
    // icon font (woff2, already compressed). A guard against losing the compression; the goal
    // (1.5 MB) is not met while Dashboard 2 bundles mermaid and echarts into every page.
    expect(first).toBeLessThan(1_700_000);

    visit = 2;
    await page.goto(`${base}/dashboard/overview`, { waitUntil: "networkidle" });
    await page.waitForTimeout(1_000);
    // The page itself and the socket's handshake; every asset comes from the browser's cache.
    expect(bytes[2]).toBeLessThan(100_000);
    console.log(`dashboards: first visit ${(first / 1e6).toFixed(2)} MB, repeat ${(bytes[2] / 1e3).toFixed(1)} kB`);
    await page.close();
  }, 90_000);
});
