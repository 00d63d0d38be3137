// Cross-site requests: a page on another origin must not change anything through a visitor's
// browser (a form POST, a fetch, a websocket to the dashboards). Browsers say where a request
// comes from in Origin (and Sec-Fetch-Site); a request without either is not from a browser page,
// so it cannot ride a visitor's login and is judged by its own credentials alone.
import type { IncomingHttpHeaders } from "node:http";

export function isSameOrigin(headers: IncomingHttpHeaders, allowedOrigins: readonly string[] = []): boolean {
  const origin = headers.origin;
  if (origin === undefined) {
    const site = headers["sec-fetch-site"];
    return site === undefined || site === "same-origin" || site === "none";
  }
  if (allowedOrigins.includes(origin)) return true;
  try {
    // The scheme is not compared: behind TLS termination the gateway may not know it.
    return new URL(origin).host === headers.host;
  } catch {
    return false; // "null" (a sandboxed frame, a file) and garbage are no origin of ours
  }
}
