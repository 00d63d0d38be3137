// The dashboards over village Wi-Fi (issue #27): headless Chromium with the network emulated at
// 2 Mbit/s and 100 ms round trip, against a real gateway with Node-RED. Bytes moved and time to the
// overview's first figure, on a first visit (empty cache) and a repeat visit.
import { startTestGateway } from "../helpers/test-gateway.ts";
import { launchChromium } from "../helpers/browser.ts";
import { assetsPrecompressed } from "../helpers/precompressed-assets.ts";

export interface Visit { bytes: number; firstFigureMs: number }

export async function dashboardOverWifi(): Promise<{ first: Visit; repeat: Visit }> {
  const gw = await startTestGateway({ nodeRed: { enabled: true } });
  const browser = await launchChromium();
  try {
    const base = gw.gateway.http.url;
    await assetsPrecompressed(base);
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 100, downloadThroughput: (2e6 / 8), uploadThroughput: (1e6 / 8) });
    let bytes = 0;
    cdp.on("Network.loadingFinished", (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
    const visit = async (): Promise<Visit> => {
      bytes = 0;
      const started = performance.now();
      await page.goto(`${base}/dashboard/overview`);
      await page.locator("[data-cs=overview] .cs-ov-figure").first().waitFor({ timeout: 60_000 });
      const firstFigureMs = performance.now() - started;
      // Everything the visit fetches, the icon font included (fetched once glyphs need it).
      await page.evaluate("document.fonts.ready.then(() => true)");
      await page.waitForLoadState("networkidle");
      return { bytes, firstFigureMs };
    };
    const first = await visit();
    const repeat = await visit();
    return { first, repeat };
  } finally {
    await browser.close();
    await gw.stop();
  }
}
