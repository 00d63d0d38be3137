// The dashboards' built assets (their names carry a content hash) compressed once, at brotli's and
// gzip's best, and kept in memory: a first visit over village Wi-Fi moves the fewest bytes, and
// browsers may keep them for good (Dashboard 2 serves them with max-age=0 itself). Until an asset
// is compressed, and for a browser that takes neither encoding, the request passes on to the
// ordinary static files, compressed on the fly.
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type express from "express";
import type { Logger } from "pino";

const IMMUTABLE = "public, max-age=31536000, immutable";
const brotli = promisify(brotliCompress);
const gzipBest = promisify(gzip);

export function immutableAssets(dir: string, log: Logger): express.RequestHandler {
  const files = new Set(readdirSync(dir).filter((f) => /\.(js|css|svg|json|map)$/.test(f)));
  const ready = new Map<string, { br: Buffer; gzip: Buffer }>();
  // One at a time in the background: brotli at quality 11 takes seconds on a Pi's core.
  void (async () => {
    for (const file of files) {
      const raw = readFileSync(join(dir, file));
      const [br, gz] = [await brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }), await gzipBest(raw, { level: 9 })];
      ready.set(file, { br, gzip: gz });
    }
    log.debug({ files: ready.size }, "dashboard assets compressed");
  })().catch((err: Error) => log.warn({ err: err.message }, "dashboard assets not precompressed; served compressed on the fly"));

  return (req, res, next) => {
    res.setHeader("Cache-Control", IMMUTABLE);
    const file = req.path.slice(1);
    const packed = files.has(file) ? ready.get(file) : undefined;
    const accepts = String(req.headers["accept-encoding"] ?? "");
    const encoding = /\bbr\b/.test(accepts) ? "br" : /\bgzip\b/.test(accepts) ? "gzip" : undefined;
    if (!packed || !encoding || (req.method !== "GET" && req.method !== "HEAD")) return next();
    const body = packed[encoding];
    res.type(extname(file));
    res.setHeader("Content-Encoding", encoding);
    res.setHeader("Vary", "Accept-Encoding");
    res.setHeader("Content-Length", body.length);
    res.end(req.method === "HEAD" ? undefined : body);
  };
}
