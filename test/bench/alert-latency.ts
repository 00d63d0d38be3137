// Sensor publish -> alert, open loop at 1,000 readings/s, against raw aedes publish -> subscribe
// at the same rate in the same run. Every fifth message swings the tanks across the threshold, so the
// alert is raised or cleared twenty times a second; latency is publish -> notification received.
import mqtt from "mqtt";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { Aedes } from "aedes";
import { createServer, type AddressInfo } from "node:net";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { Gateway } from "../../gateway/gateway.ts";
import { deviceTopic } from "../../protocol/topics.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { spawn, type ChildProcess } from "node:child_process";

const log = pino({ level: "silent" });
const MESSAGE_EVERY_MS = 10;
const READINGS_PER_MESSAGE = 10; // 10 x 100 messages/s = 1,000 readings/s
/** Both sides' first second is warm-up (JIT, first statements prepared) and not counted. */
const WARM_UP_MESSAGES = 100;
const SWING_EVERY = 5;

export function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

function message(seq: number, k: number): string {
  const ts = Date.now();
  const swing = k % SWING_EVERY === 0;
  const low = (k / SWING_EVERY) % 2 === 0;
  const readings = Array.from({ length: READINGS_PER_MESSAGE }, (_, i) => {
    if (swing && i < 3) {
      const sensor = ["tank-north-level", "tank-south-level", "cistern-level"][i];
      return { seq: seq + i, sensor, value: low ? 200 : 5000, unit: "L", quality: "good", ts, clock: "synced" };
    }
    return { seq: seq + i, sensor: "main-flow", value: 3, unit: "L/min", quality: "good", ts: ts + i, clock: "synced" };
  });
  return JSON.stringify({ device: "water-main", readings });
}

async function openLoop(seconds: number, send: (k: number) => void): Promise<void> {
  const total = Math.floor((seconds * 1000) / MESSAGE_EVERY_MS);
  const started = performance.now();
  for (let k = 0; k < total; k++) {
    const due = started + k * MESSAGE_EVERY_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    send(k);
  }
}

/**
 * With `dashboardClients`, the dashboards run (Node-RED in the gateway's process, as a village
 * runs it) and that many Dashboard 2 clients, in a process of their own, stay connected over its
 * websocket, each receiving every update, while the alerts are timed.
 */
export async function alertLatency(
  seconds: number,
  dashboardClients = 0,
): Promise<{ alertP99Ms: number; rawP99Ms: number; alerts: number; missed: number; dashboardMessages: number }> {
  const dir = tempDir("cs-bench-alert-");
  const rules = join(dir.path, "rules.yaml");
  writeFileSync(rules, `rules:
  - id: tanks-nearly-empty
    when: water.stockLitres < 1000
    clear: water.stockLitres > 2000
    urgency: Emergency
    quietAfterClear: 0s
    actions:
      - alert: Tanks nearly empty
`);
  const config = parseGatewayConfig(
    { dataDir: dir.path, triggersFile: rules, mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0 }, nodeRed: { enabled: dashboardClients > 0, editor: false } },
    "bench",
  );
  const gateway = new Gateway({ config, boards: loadBoardDir("boards"), log });
  await gateway.start();
  let phones: { child: ChildProcess; out: string } | undefined;
  if (dashboardClients > 0) {
    const base = gateway.http.url;
    // Node-RED starts its flows, and with them the dashboard's socket, after the gateway is up.
    await waitFor("the dashboard's socket", async () => (await fetch(`${base}/dashboard/socket.io/?EIO=4&transport=polling`, { headers: { origin: base } })).ok, { timeoutMs: 60_000 });
    const child = spawn(process.execPath, ["--import", "tsx", "test/bench/dashboard-clients.ts", base, String(dashboardClients)], { stdio: ["ignore", "pipe", "inherit"] });
    phones = { child, out: "" };
    child.stdout!.on("data", (d) => (phones!.out += d));
    await waitFor("the dashboard clients connected", () => {
      if (child.exitCode !== null) throw new Error(`the dashboard clients exited with ${child.exitCode}`);
      return phones!.out.startsWith("connected");
    }, { timeoutMs: 60_000 });
  }
  const device = await mqtt.connectAsync(gateway.broker.url, { clientId: "water-main" });
  const listener = await mqtt.connectAsync(gateway.broker.url, { clientId: "siren" });
  await listener.subscribeAsync("cs/v1/village/riverbend/notifications", { qos: 1 });
  const sentAt: number[] = [];
  const latencies: number[] = [];
  listener.on("message", (_t, payload) => {
    const n = JSON.parse(payload.toString());
    if (n.kind !== "alert-raised" && n.kind !== "alert-cleared") return;
    // Episode e is raised by swing 2(e-1) and cleared by the next one.
    const episode = Number(String(n.ref).split("#")[1]);
    const swing = 2 * (episode - 1) + (n.kind === "alert-cleared" ? 1 : 0);
    const sent = sentAt[swing];
    if (sent !== undefined && swing >= WARM_UP_MESSAGES / SWING_EVERY) latencies.push(performance.now() - sent);
  });
  await openLoop(seconds, (k) => {
    if (k % SWING_EVERY === 0) sentAt.push(performance.now());
    device.publish(deviceTopic("readings", "water-main"), message(k * READINGS_PER_MESSAGE + 1, k), { qos: 1 });
  });
  // An alert still on its way when the readings stop is late, not missed: it counts in the p99.
  const expected = sentAt.length - WARM_UP_MESSAGES / SWING_EVERY;
  for (const until = performance.now() + 5_000; latencies.length < expected && performance.now() < until; ) await new Promise((r) => setTimeout(r, 50));
  await device.endAsync();
  await listener.endAsync();
  let dashboardMessages = 0;
  if (phones) {
    const { child } = phones;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await gone;
    dashboardMessages = Number(phones.out.trim().split("\n").at(-1));
  }
  await gateway.stop();
  dir.remove();

  // Bare aedes at the same rate and message size (the gateway's additions belong to the path measured).
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const broker = {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))),
  };
  const pub = await mqtt.connectAsync(broker.url, { clientId: "raw-pub" });
  const sub = await mqtt.connectAsync(broker.url, { clientId: "raw-sub" });
  await sub.subscribeAsync("raw/#", { qos: 1 });
  const rawSent = new Map<number, number>();
  const raw: number[] = [];
  sub.on("message", (topic) => {
    const k = Number(topic.split("/")[1]);
    if (k >= WARM_UP_MESSAGES) raw.push(performance.now() - rawSent.get(k)!);
  });
  await openLoop(seconds, (k) => {
    rawSent.set(k, performance.now());
    pub.publish(`raw/${k}`, message(k * READINGS_PER_MESSAGE + 1, k), { qos: 1 });
  });
  await new Promise((r) => setTimeout(r, 500));
  await pub.endAsync();
  await sub.endAsync();
  await broker.stop();
  if (process.env.CS_BENCH_DEBUG) console.log(latencies.map((l) => l.toFixed(1)).join(" "));
  return { alertP99Ms: p99(latencies), rawP99Ms: p99(raw), alerts: latencies.length, missed: sentAt.length - WARM_UP_MESSAGES / SWING_EVERY - latencies.length, dashboardMessages };
}
