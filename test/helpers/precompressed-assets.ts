// The gateway compresses the dashboards' assets at their best in the background after start
// (gateway/dashboard/immutable-assets.ts). Byte counts are taken after that: this waits until the
// largest is sent with a length, as a precompressed body is (compressed on the fly it is chunked).
import { waitFor } from "./wait-for.ts";

export async function assetsPrecompressed(base: string, timeoutMs = 120_000): Promise<void> {
  const html = await (await fetch(`${base}/dashboard/overview`)).text();
  const largest = /assets\/(index-[\w-]+\.js)/.exec(html)![1];
  await waitFor("the assets precompressed", async () => (await fetch(`${base}/dashboard/assets/${largest}`, { headers: { "accept-encoding": "br" } })).headers.get("content-length") !== null, { timeoutMs, intervalMs: 500 });
}
