// What a Pi installs (docs/deployment.md): the edge workspace alone, built there and pruned. Done
// here in a copy of the project's files with npm's cache only (--offline: no traffic beyond this
// machine; the project's own `npm ci` filled the cache), then the compiled agent in that tree
// sends a reading that a gateway stores, so a package the edge needs and the workspace lacks fails
// here. The install's figures go to test-results/edge-install.json for the documentation.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/temp-dir.ts";
import { agentDeliversReading } from "../helpers/agent-delivers.ts";

/** What the Pi's checkout needs for the edge; the rest of the project stays on the village server. */
const EDGE_FILES = ["package.json", "package-lock.json", "edge", "protocol", "lib", "boards"];
/** The village server's packages, none of which an edge-only install may hold. */
const SERVER_ONLY = ["node-red", "@flowfuse/node-red-dashboard", "aedes", "influx", "aedes-persistence-redis", "mqemitter-redis", "ioredis", "express", "vitest"];

function npm(cwd: string, args: string[]) {
  const run = spawnSync("npm", [...args, "--offline", "--no-audit", "--no-fund"], { cwd, encoding: "utf8", timeout: 240_000 });
  if (run.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${run.status}): ${(run.stdout + run.stderr).slice(-2000)}`);
  return run.stdout;
}

/** Every installed package (a folder with a package.json under some node_modules), nested ones included. */
function packagesUnder(nodeModules: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const names = entry.name.startsWith("@") ? readdirSync(join(dir, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
      for (const name of names) {
        const path = join(dir, name);
        if (!existsSync(join(path, "package.json"))) continue;
        found.set(name, [...(found.get(name) ?? []), path]);
        if (existsSync(join(path, "node_modules"))) walk(join(path, "node_modules"));
      }
    }
  };
  walk(nodeModules);
  return found;
}

const mbOnDisk = (path: string) => Number(spawnSync("du", ["-sm", path], { encoding: "utf8" }).stdout.split("\t")[0]);

describe("an edge-only install", () => {
  it("pins the project's own version and the very versions the project pins", () => {
    const root = JSON.parse(readFileSync("package.json", "utf8"));
    const edge = JSON.parse(readFileSync("edge/package.json", "utf8"));
    expect(edge.version).toBe(root.version);
    expect(root.workspaces).toEqual(["edge"]);
    for (const [name, version] of Object.entries({ ...edge.dependencies, ...edge.devDependencies })) {
      expect(version, name).toBe(root.dependencies[name] ?? root.devDependencies[name]);
    }
  });

  it("holds none of the server's packages and one serialport, builds, and its compiled agent delivers a reading the gateway stores", async () => {
    const pi = tempDir("cs-pi-");
    try {
      for (const f of EDGE_FILES) cpSync(f, join(pi.path, f), { recursive: true });
      const started = Date.now();
      // better-sqlite3 compiles from source without its prebuilt download (a minute here): the
      // project's own build of the same version stands in for it.
      npm(pi.path, ["ci", "--workspace", "edge", "--ignore-scripts"]);
      cpSync("node_modules/better-sqlite3/build/Release/better_sqlite3.node", join(pi.path, "node_modules/better-sqlite3/build/Release/better_sqlite3.node"));
      const build = spawnSync("npm", ["run", "build", "--workspace", "edge"], { cwd: pi.path, encoding: "utf8" });
      expect(build.status, build.stdout + build.stderr).toBe(0);
      npm(pi.path, ["prune", "--omit=dev", "--workspace", "edge"]);
      const installMs = Date.now() - started;

      const packages = packagesUnder(join(pi.path, "node_modules"));
      expect(SERVER_ONLY.filter((p) => packages.has(p)), "server packages on the Pi").toEqual([]);
      expect(packages.get("serialport"), "one serialport").toHaveLength(1);
      expect(packages.has("johnny-five") && packages.has("better-sqlite3")).toBe(true);
      // The build is esbuild's bundle: no TypeScript on the Pi (types are checked where the tests run).
      expect(packages.has("typescript"), "TypeScript on the Pi").toBe(false);
      const figures = { packages: [...packages.values()].reduce((n, paths) => n + paths.length, 0), mbOnDisk: mbOnDisk(join(pi.path, "node_modules")), installSeconds: Math.round(installMs / 1000) };
      mkdirSync("test-results", { recursive: true });
      writeFileSync("test-results/edge-install.json", JSON.stringify(figures, null, 2) + "\n");
      expect(figures.packages).toBeLessThan(200);

      // The unit's command line, run in the Pi's tree.
      const version = spawnSync(process.execPath, ["dist/edge/main.js", "--version"], { cwd: pi.path, encoding: "utf8" });
      expect(version.stdout.trim()).toBe(`commons-sense ${JSON.parse(readFileSync("package.json", "utf8")).version}`);
      await agentDeliversReading({
        what: "the agent of the edge-only install",
        args: (gateway) => ["dist/edge/main.js", "--board", "boards/water.yaml", "--gateway", gateway, "--data-dir", join(pi.path, "journal")],
        cwd: pi.path,
        device: "water-main",
      });
    } finally {
      pi.remove();
    }
  }, 400_000);
});
