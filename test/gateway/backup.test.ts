// `npm run backup` taken while a gateway stores readings: the copy holds every reading acknowledged
// before it started, whole SQLite files at their schema versions, secrets still 0600, and a
// gateway started on it serves what it holds.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import Database from "better-sqlite3";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { deviceTopic } from "../../protocol/topics.ts";
import { MANIFEST, type BackupManifest } from "../../lib/data-dir-backup.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";

const TS = Date.UTC(2026, 11, 7, 10);
const batch = (first: number, n: number) => JSON.stringify({
  device: "water-main",
  readings: Array.from({ length: n }, (_, i) => ({ seq: first + i, sensor: "tank-north-level", value: 5000 + i, unit: "L", quality: "good", ts: TS + (first + i) * 1000, clock: "synced" })),
});

/** The backup command as a village runs it, in its own process while this one keeps the gateway busy. */
function backup(...args: string[]): Promise<{ status: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "gateway/backup-main.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => child.on("exit", (status) => resolve({ status, out })));
}

describe("npm run backup", () => {
  it("copies a running gateway's data directory with every acknowledged reading, and a gateway starts on the copy", { timeout: 60_000 }, async () => {
    const gw = await startTestGateway({ ingest: { flushMs: 20 } });
    const out = tempDir("cs-backup-");
    const to = join(out.path, "backup");
    let restored: Awaited<ReturnType<typeof startTestGateway>> | undefined;
    try {
      const dataDir = gw.gateway.config.dataDir;
      // A secret the backup must keep private, as enrol writes identities.
      writeFileSync(join(dataDir, "secret.json"), "{}", { mode: 0o600 });
      mkdirSync(join(dataDir, "node-red", "node_modules", "some-node"), { recursive: true });
      writeFileSync(join(dataDir, "node-red", "node_modules", "some-node", "index.js"), "");
      const client = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "water-main" });
      const acked = new Set<number>();
      await client.subscribeAsync(deviceTopic("ack", "water-main"), { qos: 1 });
      client.on("message", (_t, p) => {
        for (const [a, b] of (JSON.parse(p.toString()) as { ranges: [number, number][] }).ranges) for (let s = a; s <= b; s++) acked.add(s);
      });
      let sending = true;
      let next = 1;
      const sender = (async () => {
        while (sending) {
          await client.publishAsync(deviceTopic("readings", "water-main"), batch(next, 20), { qos: 1 });
          next += 20;
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await waitFor("readings stored", () => acked.size >= 400);
      const ackedBefore = [...acked];
      const result = await backup("--data-dir", dataDir, "--to", to);
      const sentDuring = next;
      sending = false;
      await sender;
      await client.endAsync();
      expect(result.status, result.out).toBe(0);
      expect(result.out).toMatch(/^copied readings\.db \([\d.]+ MB, schema version 1\) in [\d.]+ s$/m);
      expect(result.out).toMatch(new RegExp(`^backup of ${dataDir} in ${to}: \\d+ files`, "m"));
      expect(sentDuring, "the gateway kept storing while the backup ran").toBeGreaterThan(Math.max(...ackedBefore) + 1);
      await gw.stop();

      const manifest = JSON.parse(readFileSync(join(to, MANIFEST), "utf8")) as BackupManifest;
      expect(manifest.files.map((f) => f.path).sort()).toEqual(expect.arrayContaining(["readings.db", "triggers.db", "secret.json", "command-signing-key.pem"]));
      expect(manifest.files.find((f) => f.path === "triggers.db")?.schemaVersion).toBe(2);
      expect(readdirSync(to).filter((f) => /-(wal|shm)$/.test(f))).toEqual([]);
      expect(existsSync(join(to, "node-red", "node_modules"))).toBe(false);
      expect(existsSync(`${to}.partial`)).toBe(false);
      for (const secret of ["secret.json", "command-signing-key.pem"]) expect(statSync(join(to, secret)).mode & 0o777, secret).toBe(0o600);
      const copy = new Database(join(to, "readings.db"), { readonly: true });
      expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
      copy.close();

      restored = await startTestGateway({ dataDir: to });
      const kept = new Set(await restored.gateway.store.sequences("water-main"));
      expect(ackedBefore.filter((s) => !kept.has(s)), "acknowledged before the backup, missing from it").toEqual([]);
      // Whole batches only: what the copy holds is a run of the batches sent, from the first.
      expect(kept.size % 20).toBe(0);
      expect(Math.max(...kept)).toBe(kept.size);
    } finally {
      await gw.stop().catch(() => undefined);
      await restored?.stop();
      out.remove();
    }
  });

  it("will not write into a folder that holds anything or into the data directory itself, or back up a data directory that is not there", async () => {
    const out = tempDir("cs-backup-");
    try {
      writeFileSync(join(out.path, "old.txt"), "an earlier backup");
      const into = await backup("--data-dir", "test", "--to", out.path);
      expect(into.status).toBe(1);
      expect(into.out.trim()).toBe(`${out.path}: exists and is not empty; a backup goes into a new folder`);
      expect(readdirSync(out.path)).toEqual(["old.txt"]);
      const inside = await backup("--data-dir", out.path, "--to", join(out.path, "backups", "today"));
      expect(inside.status).toBe(1);
      expect(inside.out.trim()).toBe(`${join(out.path, "backups", "today")}: is inside the data directory ${out.path}; a backup goes elsewhere`);
      const missing = await backup("--data-dir", join(out.path, "nothing"), "--to", join(out.path, "b"));
      expect(missing.status).toBe(1);
      expect(missing.out.trim()).toBe(`${join(out.path, "nothing")}: no such data directory`);
    } finally {
      out.remove();
    }
  });
});
