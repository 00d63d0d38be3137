// CI's short run of `npm run bench -- --smoke`: no thresholds, but every benchmark must run to the
// end, write its JSON and lose nothing.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

describe("benchmark smoke run", () => {
  it("runs every benchmark, writes bench-results/bench.json and loses no reading", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "test/bench/run.ts", "--smoke"], { encoding: "utf8", timeout: 360_000 });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    // Progress as it goes, on stderr: a full run takes many minutes.
    expect(run.stderr).toMatch(/^\[ +\d+ s\] throughput round 1 of 1: /m);
    expect(run.stderr).toMatch(/^\[ +\d+ s\] hub: full region rematch \(ms\): /m);
    const report = JSON.parse(readFileSync("bench-results/bench.json", "utf8")) as { smoke: boolean; rows: { name: string; measured: string; ratio: number }[] };
    expect(report.smoke).toBe(true);
    expect(report.rows.map((r) => r.name)).toEqual([
      "full path (embedded) / raw aedes QoS 1",
      "full path (InfluxDB) / raw aedes QoS 1",
      "readings lost on the full path",
      "raw aedes: CPU per reading (µs)",
      "full path (embedded): CPU per reading (µs)",
      "full path (InfluxDB): CPU per reading (µs)",
      "embedded store / raw better-sqlite3 (batch 5000)",
      "MING peer: CPU per stored reading, gateway / mosquitto + Node-RED",
      "MING peer: readings/s to stored, gateway / mosquitto + Node-RED",
      "MING peer: readings lost, consumer SIGKILLed halfway",
      "InfluxDB writer batch 5000 / batch 1",
      "edge journal bytes written per reading (5 per commit)",
      "edge journal bytes written per reading (100 per commit)",
      "simulated village: storage writes per day (MB)",
      "sensor publish -> alert p99 at 1,000 readings/s",
      "alert p99 at 1,000 readings/s, 30 dashboard clients connected",
      "alert p99 - raw aedes pub->sub p99",
      "health p99 under 1,000 wrong passwords (ms)",
      "health p99, the flood's process at the gateway's priority (ms)",
      "hub: aid-request versions/s, two nodes on Redis / one node",
      "hub: full region rematch (ms)",
      "dashboards over Wi-Fi: first visit, MB transferred",
      "dashboards over Wi-Fi: repeat visit, kB transferred",
      "edge agent RSS / bare MQTT.js publisher (same V8 limits)",
      "edge on a quarter core: start to first stored reading (s)",
      "edge on a quarter core: CPU at 10 s sampling (% of the capped core)",
      "edge on a quarter core: peak RSS (MB)",
      "edge on StandardFirmata: CPU a 10 s round (ms)",
    ]);
    const row = (name: string) => report.rows.find((r) => r.name === name)!;
    // Measured, not skipped: the capped agent stored a reading and used CPU.
    expect(row("edge on a quarter core: start to first stored reading (s)").measured, "the quarter-core cgroup").toMatch(/^[\d.]+ s$/);
    expect(row("edge on a quarter core: CPU at 10 s sampling (% of the capped core)").ratio).toBeGreaterThan(0);
    expect(row("edge on StandardFirmata: CPU a 10 s round (ms)").measured, "the agent read the emulated board").toMatch(/\([1-9]\d* good readings stored meanwhile/);
    expect(row("readings lost on the full path").ratio).toBe(0);
    // Every process of each path is measured, and used some CPU.
    const us = String.raw`\d+\.\d`;
    const ceiling = String.raw`; ceiling \d+ readings/s on \d+ cores \(\d+\.\d\d of raw\)`;
    const cpu: Array<[string, RegExp]> = [
      ["raw aedes", new RegExp(`^publisher ${us} \\+ broker and subscriber ${us}${ceiling}$`)],
      ["full path (embedded)", new RegExp(`^edge ${us} \\+ gateway ${us}${ceiling}$`)],
      ["full path (InfluxDB)", new RegExp(`^edge ${us} \\+ gateway ${us} \\+ influxd ${us}${ceiling}$`)],
    ];
    for (const [path, shape] of cpu) {
      expect(row(`${path}: CPU per reading (µs)`).measured).toMatch(shape);
      expect(row(`${path}: CPU per reading (µs)`).ratio).toBeGreaterThan(0);
    }
    // The dashboards' clients were connected and heard the updates while the alerts were timed.
    expect(row("alert p99 at 1,000 readings/s, 30 dashboard clients connected").measured).toMatch(/; [1-9]\d* dashboard messages received\)$/);
    // The peer: every process of both stacks measured; the gateway lost nothing to a SIGKILL.
    expect(row("MING peer: CPU per stored reading, gateway / mosquitto + Node-RED").measured).toMatch(
      new RegExp(`^${us} vs ${us} µs \\(gateway ${us} \\+ influxd ${us} \\+ publisher \\(edge\\) ${us}; mosquitto ${us} \\+ node-red ${us} \\+ influxd ${us} \\+ publisher \\(MQTT\\.js\\) ${us}; publishers apart\\)$`),
    );
    expect(row("MING peer: CPU per stored reading, gateway / mosquitto + Node-RED").ratio).toBeGreaterThan(0);
    // Both floods ran to the end, the first with its process at nice 19.
    expect(row("health p99 under 1,000 wrong passwords (ms)").measured).toMatch(/^[\d.]+ ms over [1-9]\d* probes of 1 flood \(each \d+ ms\); \d+ throttled, \d+ checked; the flood's process at nice 19$/);
    expect(row("health p99, the flood's process at the gateway's priority (ms)").measured).toMatch(/^[\d.]+ ms over [1-9]\d* probes of 1 flood \(each \d+ ms\); /);
    expect(row("MING peer: readings lost, consumer SIGKILLed halfway").measured).toMatch(/^gateway 0 of 2000; Node-RED \d+ of 2000 \([\d.]+ %\)$/);
  }, 420_000);
});
