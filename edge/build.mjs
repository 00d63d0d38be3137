// Builds the edge agent and its calibration tool for a Pi: `npm run build:edge` (or, on a Pi,
// `npm run build --workspace edge`) writes dist/edge/main.js and dist/edge/calibrate/main.js.
// One minified bundle with esbuild instead of a file per module: on a quarter of a Pi's core,
// loading some 400 modules one by one took about 3.5 s of the agent's start, and their source
// stayed in memory. Code loaded only for some boards (Firmata, Linux I2C, serial instruments)
// stays in chunks of its own, loaded when a board needs it. Native modules stay outside, found
// in node_modules at run time. Plain JavaScript: a Pi builds it without TypeScript (types are
// checked by the project's tests, not here). `--outdir <dir>` builds elsewhere than dist/.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string", default: "dist" } } });

// A rebuild replaces the last one: chunks are named by their hash, so old ones would pile up.
rmSync(join(root, values.outdir, "edge"), { recursive: true, force: true });

// johnny-five's REPL stays out: the agent opens its boards with repl: false, and Node's repl module
// would load readline, vm, acorn and domain, whose EventEmitter wrapper then runs on every event.
const withoutJohnnyFiveRepl = {
  name: "without-johnny-five-repl",
  setup(b) {
    b.onResolve({ filter: /^\.\/repl$/ }, (args) => (/johnny-five[\\/]lib$/.test(args.resolveDir) ? { path: "johnny-five-repl", namespace: "no-repl" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "no-repl" }, () => ({
      contents: "module.exports = class Repl { constructor() { throw new Error(\"johnny-five's REPL is not in the edge agent's build: open boards with repl: false\"); } };",
      loader: "js",
    }));
  },
};

await build({
  absWorkingDir: root,
  entryPoints: { "edge/main": "edge/main.ts", "edge/calibrate/main": "edge/calibrate/main.ts" },
  outdir: values.outdir,
  chunkNames: "edge/chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  minify: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Settings of its own: the project's tsconfig extends a package a Pi does not install.
  tsconfigRaw: {},
  // Native bindings load their .node files relative to their package; ws's are optional.
  external: ["better-sqlite3", "serialport", "@serialport/*", "bufferutil", "utf-8-validate"],
  // CommonJS packages inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __csRequire } from 'node:module'; const require = __csRequire(import.meta.url);" },
  plugins: [withoutJohnnyFiveRepl],
  logLevel: "warning",
});
