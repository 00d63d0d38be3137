// What the dashboards cost over village Wi-Fi, measured in a real browser against the real gateway:
// everything is sent compressed, the hashed assets are kept by the browser for good, and a repeat
// visit fetches almost nothing. Byte counts only: timings belong to `npm run bench`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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
    let font: { url: string; bytes: number } | undefined;
    page.on("response", async (r) => {
      if (r.url().includes("/dashboard/assets/") && /\.(js|css)$/.test(r.url())) assets.push({ url: r.url(), encoding: r.headers()["content-encoding"], cacheControl: r.headers()["cache-control"] });
      if (/materialdesignicons.*\.woff2/.test(r.url()) && r.status() === 200) font = { url: r.url(), bytes: (await r.body()).length };
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
    // About 5.2 MB raw, 1.85 MB compressed on the fly; at brotli's best 1.62 MB, of which 0.40 MB
    // was the whole icon font, now a subset of a few kB (the goal: 1.5 MB).
    expect(font?.bytes, "the icon font's subset").toBeLessThan(20_000);
    expect(first).toBeLessThan(1_500_000);

    visit = 2;
    await page.goto(`${base}/dashboard/overview`, { waitUntil: "networkidle" });
    await page.waitForTimeout(1_000);
    // The page itself and the socket's handshake; every asset comes from the browser's cache.
    expect(bytes[2]).toBeLessThan(100_000);
    console.log(`dashboards: first visit ${(first / 1e6).toFixed(2)} MB (icon font ${((font?.bytes ?? 0) / 1e3).toFixed(1)} kB), repeat ${(bytes[2] / 1e3).toFixed(1)} kB`);
    await page.close();
  }, 90_000);

  it("the icon font's subset draws every icon the pages show exactly as the whole font does", async () => {
    const base = gw.gateway.http.url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const shown = new Set<number>();
    for (const path of ["overview", "water-power", "greenhouse", "pantry", "aid", "village"]) {
      await page.goto(`${base}/dashboard/${path}`, { waitUntil: "networkidle" });
      await page.locator(".nrdb-ui-group").first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1_000);
      // Every icon in the page, the navigation drawer's included: the code point its ::before draws.
      const points = (await page.evaluate(`[...document.querySelectorAll('[class*="mdi-"]')]
        .map((e) => getComputedStyle(e, '::before').content)
        .filter((c) => c && c !== 'none' && c !== 'normal')
        .map((c) => JSON.parse(c).codePointAt(0))`)) as number[];
      for (const p of points) shown.add(p);
    }
    expect(shown.size, "icons on the pages").toBeGreaterThan(5);
    const assetsDir = join(dirname(createRequire(import.meta.url).resolve("@flowfuse/node-red-dashboard/package.json")), "dist", "assets");
    const fontFile = readdirSync(assetsDir).find((f) => /^materialdesignicons-webfont-.*\.woff2$/.test(f))!;
    // Each code point drawn with the served font and with the whole font from the package: a glyph
    // missing from the subset is drawn by a fallback font, or not at all, and differs.
    const differing = (await page.evaluate(`(async ({ served, whole, points }) => {
      const bytes = Uint8Array.from(atob(whole), (c) => c.charCodeAt(0));
      const fonts = [new FontFace('cs-served', 'url(' + served + ')'), new FontFace('cs-whole', bytes)];
      for (const f of fonts) { await f.load(); document.fonts.add(f); }
      const draw = (family, point) => {
        const c = document.createElement('canvas'); c.width = 48; c.height = 48;
        const g = c.getContext('2d'); g.font = '40px "' + family + '"'; g.textBaseline = 'top';
        g.fillText(String.fromCodePoint(point), 4, 4);
        return Array.from(g.getImageData(0, 0, 48, 48).data).join(',');
      };
      return points.filter((p) => draw('cs-whole', p).replace(/[0,]/g, '') === '' || draw('cs-served', p) !== draw('cs-whole', p)).map((p) => p.toString(16));
    })(${JSON.stringify({ served: `${base}/dashboard/assets/${fontFile}`, whole: readFileSync(join(assetsDir, fontFile)).toString("base64"), points: [...shown] })})`)) as string[];
    expect(differing, "icons the subset draws otherwise (code points)").toEqual([]);
    // The subset is what was served (it can change with the flows: revalidated, not kept for good).
    const served = await fetch(`${base}/dashboard/assets/${fontFile}`);
    expect(served.headers.get("cache-control")).toBe("no-cache");
    expect(Number(served.headers.get("content-length"))).toBeLessThan(20_000);
    const again = await fetch(`${base}/dashboard/assets/${fontFile}`, { headers: { "if-none-match": served.headers.get("etag")! } });
    expect(again.status).toBe(304);
    await page.close();
  }, 120_000);
});
