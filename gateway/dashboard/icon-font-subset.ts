// Dashboard 2 sends Material Design Icons whole: 7,448 icons, a 396 KB woff2 that was a quarter of
// a phone's first visit over village Wi-Fi, for the 70 or so the dashboards use. This serves in its
// place (same URL, as the stylesheet names it) a subset holding every icon named in the
// dashboard's own code and in the flows: a literal `mdi-<name>` anywhere in a flow, or a node's
// `icon` (Dashboard 2 prefixes "mdi-"). An icon a template only builds at run time must appear
// in its flow as text. The subset changes when the flows do, so it is revalidated by its ETag
// rather than kept for good.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type express from "express";
import type { Logger } from "pino";
import subsetFont from "subset-font";

const ICON_NAME = /mdi-[a-z0-9]+(?:-[a-z0-9]+)*/g;

/** Every icon's code point, from the stylesheet's `.mdi-<name>:before{content:"<char>"}` rules. */
function iconCodePoints(css: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of css.matchAll(/\.(mdi-[a-z0-9-]+)::?before\s*\{\s*content:\s*"([^"]+)"/gu)) {
    out.set(m[1], m[2].startsWith("\\") ? parseInt(m[2].slice(1), 16) : m[2].codePointAt(0)!);
  }
  return out;
}

/** Icon names used by the dashboard's scripts and by the flows (their JSON as text). */
export function usedIcons(assetsDir: string, flowTexts: readonly string[]): Set<string> {
  const used = new Set<string>();
  for (const file of readdirSync(assetsDir).filter((f) => f.endsWith(".js"))) {
    for (const m of readFileSync(join(assetsDir, file), "utf8").matchAll(ICON_NAME)) used.add(m[0]);
  }
  for (const text of flowTexts) {
    for (const m of text.matchAll(ICON_NAME)) used.add(m[0]);
    for (const m of text.matchAll(/"icon"\s*:\s*"([a-z0-9-]+)"/g)) used.add(m[1].startsWith("mdi-") ? m[1] : `mdi-${m[1]}`);
  }
  return used;
}

export function iconFontSubset(assetsDir: string, flowTexts: readonly string[], log: Logger): express.RequestHandler {
  const files = readdirSync(assetsDir);
  const woff2 = files.find((f) => /^materialdesignicons-webfont-.*\.woff2$/.test(f));
  let subset: { body: Buffer; etag: string } | undefined;
  // In the background: until it is ready the whole font goes out, as before.
  void (async () => {
    if (!woff2) throw new Error("no materialdesignicons woff2 among the dashboard's assets");
    const css = files.filter((f) => f.endsWith(".css")).map((f) => readFileSync(join(assetsDir, f), "utf8")).join("\n");
    const points = iconCodePoints(css);
    const used = [...usedIcons(assetsDir, flowTexts)].filter((name) => points.has(name));
    const full = readFileSync(join(assetsDir, woff2));
    const body = await subsetFont(full, used.map((name) => String.fromCodePoint(points.get(name)!)).join(""), { targetFormat: "woff2" });
    subset = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
    log.debug({ icons: used.length, bytes: body.length, of: full.length }, "dashboard icon font subset");
  })().catch((err: Error) => log.warn({ err: err.message }, "dashboard icon font not subset; the whole font is served"));

  return (req, res, next) => {
    if (!subset || req.path.slice(1) !== woff2 || (req.method !== "GET" && req.method !== "HEAD")) return next();
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("ETag", subset.etag);
    if (req.headers["if-none-match"] === subset.etag) return void res.status(304).end();
    res.type("font/woff2");
    res.setHeader("Content-Length", subset.body.length);
    res.end(req.method === "HEAD" ? undefined : subset.body);
  };
}
