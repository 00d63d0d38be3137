// The peer a village would otherwise run, the "MING" stack: mosquitto, a Node-RED flow (mqtt in ->
// function -> node-red-contrib-influxdb batch) and influxd, against the gateway with its InfluxDB
// store, each consumer in its own process. Same readings (messages of 100 on the device's readings
// topic, at most 10,000 unanswered), same influxd, one after the other in one run.
//
// Each side publishes the way its stack lets it: to the gateway, the edge's journal and publisher,
// which publish at QoS 0 and send again until the gateway acknowledges what it stored; to
// mosquitto, MQTT.js at QoS 1, whose PUBACK is all the peer offers (Node-RED subscribes with a
// persistent session, so mosquitto keeps what arrives while Node-RED is away). Figures: readings/s
// from the first publish to the last reading stored; CPU per stored reading of every process of the
// path (from /proc, over the same window); and readings lost when the consumer (the gateway, or
// Node-RED) is SIGKILLed halfway and started again.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deviceTopic } from "../../protocol/topics.ts";
import { freePort } from "../helpers/free-port.ts";
import { startMosquitto } from "../helpers/start-mosquitto.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { processCpuMs } from "./proc-stats.ts";
import { stopChild } from "../helpers/stop-child.ts";

export interface StackRun {
  /** Readings/s from the first publish to the last reading stored. */
  perSec: number;
  /** CPU µs per stored reading, by process of the path (the publisher listed apart). */
  cpu: Record<string, number>;
  stored: number;
  lost: number;
}

const DEVICE = "water-main";

/** What influxd holds, by a COUNT: only outside a CPU window (pointsRequested says why). */
async function countStored(influxUrl: string, database: string): Promise<number> {
  const q = new URLSearchParams({ db: database, q: "SELECT COUNT(value) FROM reading" });
  const res = await fetch(`${influxUrl}/query?${q}`);
  const body = (await res.json()) as { results: { series?: { values: [string, number][] }[]; error?: string }[] };
  if (body.results[0].error) throw new Error(`influxd: ${body.results[0].error}`);
  return body.results[0].series?.[0].values[0][1] ?? 0;
}

/**
 * Points influxd has been asked to write since it started (its /debug/vars). Polled inside the CPU
 * window to see the last reading arrive, it costs influxd under a millisecond. The COUNT polled
 * there before cost it about 29 ms over a run's 150,000 points, and the sides polled unequally:
 * once for the gateway (whose publisher ends when all is stored), about 15 times for the peer
 * (whose PUBACKs come before Node-RED has stored anything).
 */
async function pointsRequested(influxUrl: string): Promise<number> {
  const res = await fetch(`${influxUrl}/debug/vars`);
  const vars = (await res.json()) as { write?: { values?: { pointReq?: number } } };
  const points = vars.write?.values?.pointReq;
  if (points === undefined) throw new Error("influxd's /debug/vars has no write.pointReq");
  return points;
}

async function createDatabase(influxUrl: string, database: string): Promise<void> {
  const res = await fetch(`${influxUrl}/query`, { method: "POST", body: new URLSearchParams({ q: `CREATE DATABASE ${database}` }) });
  if (!res.ok) throw new Error(`influxd: CREATE DATABASE answered ${res.status}`);
}

/** A child process that can be SIGKILLed and started again with the same arguments. */
class Restartable {
  child!: ChildProcess;
  private out = "";
  constructor(private readonly args: string[], private readonly ready: RegExp, private readonly what: string) {}

  async start(): Promise<void> {
    this.out = "";
    this.child = spawn(process.execPath, this.args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d) => (this.out = (this.out + d).slice(-20_000)));
    this.child.stderr!.on("data", (d) => (this.out = (this.out + d).slice(-20_000)));
    await waitFor(this.what, () => {
      if (this.child.exitCode !== null) throw new Error(`${this.what} exited with ${this.child.exitCode}: ${this.out.slice(-2000)}`);
      return this.ready.test(this.out);
    }, { timeoutMs: 90_000, intervalMs: 50 });
  }

  cpuMs(): number {
    return processCpuMs(this.child.pid!);
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    return stopChild(this.child, signal);
  }
}

/** CPU of processes over one window, some of which may be replaced (a SIGKILLed consumer restarted). */
class CpuWindow {
  private used = new Map<string, number>();
  private marks = new Map<string, number>();
  constructor(private readonly processes: Record<string, () => number>) {
    for (const [name, read] of Object.entries(processes)) this.marks.set(name, read());
  }
  /** Adds what `name` used until now: called before its process is killed. */
  bank(name: string): void {
    this.used.set(name, (this.used.get(name) ?? 0) + this.processes[name]() - this.marks.get(name)!);
  }
  /** Counts `name` again from its new process's CPU time now. */
  restart(name: string): void {
    this.marks.set(name, this.processes[name]());
  }
  close(): Record<string, number> {
    for (const name of Object.keys(this.processes)) this.bank(name);
    return Object.fromEntries(this.used);
  }
}

/**
 * Runs a publisher child to the end. Once it says "warmed", `warmedUp` is awaited and the child
 * told to go on; the CPU window opens the moment it says "started"; `onHalf` runs once, when it
 * says "half", with that window.
 */
function runPublisher(
  args: string[],
  warmedUp: () => Promise<unknown>,
  open: () => CpuWindow,
  onHalf?: (window: CpuWindow) => Promise<void>,
): Promise<{ startedMs: number; window: CpuWindow; cpuUs: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let warmed: Promise<unknown> | undefined;
  let opened: { startedMs: number; window: CpuWindow } | undefined;
  let halfDone: Promise<void> | undefined;
  child.stdout!.on("data", (d) => {
    out += d;
    if (!warmed && /^warmed\b/m.test(out)) {
      warmed = warmedUp().then(
        () => child.stdin!.write("go\n"),
        (err: unknown) => {
          child.kill();
          throw err;
        },
      );
    }
    if (!opened && /^started\b/m.test(out)) opened = { startedMs: Date.now(), window: open() };
    if (opened && onHalf && !halfDone && /^half\b/m.test(out)) halfDone = onHalf(opened.window);
  });
  return new Promise((resolve, reject) =>
    child.once("exit", async (code) => {
      try {
        await warmed;
        await halfDone;
      } catch (err) {
        return reject(err);
      }
      if (code !== 0 || !opened) return reject(new Error(`publisher ${args[0]} exited with ${code}: ${out.slice(-1000)}`));
      const last = out.trim().split("\n").at(-1)!;
      resolve({ ...opened, cpuUs: (JSON.parse(last) as { cpuUs: number }).cpuUs });
    }),
  );
}

/**
 * Waits until the warm-up's readings are all stored (none of their work may fall in the window);
 * returns the points influxd has been asked for so far, from which the window's are counted.
 */
async function warmUpStored(influxUrl: string, database: string, warmUp: number): Promise<number> {
  const { last: stored } = await settled(() => countStored(influxUrl, database), warmUp, 30_000);
  if (stored < warmUp) throw new Error(`only ${stored} of ${warmUp} warm-up readings were stored`);
  return pointsRequested(influxUrl);
}

/** Closes the window once influxd has been asked for the last reading, then counts what it stored. */
async function closeWhenWritten(influxUrl: string, database: string, requestedBefore: number, warmUp: number, readings: number, window: CpuWindow) {
  const { lastMs } = await settled(async () => (await pointsRequested(influxUrl)) - requestedBefore, readings, 5_000);
  const cpuMs = window.close();
  const { last: stored } = await settled(() => countStored(influxUrl, database), warmUp + readings, 5_000);
  return { lastMs, cpuMs, timed: stored - warmUp };
}

/**
 * Polls `count` until it reaches `target`, or stops changing for settleMs (what is lost stays
 * lost): the last count, and when it came.
 */
async function settled(count: () => Promise<number>, target: number, settleMs: number): Promise<{ last: number; lastMs: number }> {
  let last = -1;
  let lastMs = Date.now();
  for (;;) {
    const now = await count();
    if (now !== last) [last, lastMs] = [now, Date.now()];
    if (last >= target || Date.now() - lastMs > settleMs) return { last, lastMs };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gateway (InfluxDB store) in its own process, fed by the edge's journal and publisher. */
export async function gatewayStack(readings: number, warmUp: number, influx: { url: string; pid: () => number | undefined }, killHalfway: boolean): Promise<StackRun> {
  const dir = tempDir("cs-bench-gw-");
  const database = `gw_${Date.now()}`;
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const configFile = join(dir.path, "village.json");
  writeFileSync(configFile, JSON.stringify({
    dataDir: join(dir.path, "gw"),
    http: { host: "127.0.0.1", port: httpPort },
    nodeRed: { enabled: false },
    // Open, as the peer's mosquitto: identities cost a check per connection and a topic match per publish.
    mqtt: { host: "127.0.0.1", port: mqttPort, requireIdentity: false, limits: { maxPublishesPerSecond: 1_000_000 } },
    influx: { url: influx.url, database },
  }));
  const gateway = new Restartable(["--import", "tsx", "gateway/main.ts", "--config", configFile], /MQTT broker +mqtt:\/\//, "the gateway process");
  await gateway.start();
  try {
    let requestedBefore = 0;
    const { startedMs, window, cpuUs } = await runPublisher(
      ["test/bench/edge-producer.ts", `mqtt://127.0.0.1:${mqttPort}`, String(readings), `--warm-up=${warmUp}`, ...(killHalfway ? ["--report-half"] : [])],
      async () => (requestedBefore = await warmUpStored(influx.url, database, warmUp)),
      () => new CpuWindow({ gateway: () => gateway.cpuMs(), influxd: () => processCpuMs(influx.pid()!) }),
      async (w) => {
        w.bank("gateway");
        await gateway.kill("SIGKILL");
        await gateway.start();
        w.restart("gateway");
      },
    );
    const { lastMs, cpuMs, timed } = await closeWhenWritten(influx.url, database, requestedBefore, warmUp, readings, window);
    return {
      perSec: readings / ((lastMs - startedMs) / 1000),
      cpu: { gateway: (cpuMs.gateway * 1000) / timed, influxd: (cpuMs.influxd * 1000) / timed, "publisher (edge)": cpuUs },
      stored: timed,
      lost: readings - timed,
    };
  } finally {
    await gateway.kill("SIGTERM");
    dir.remove();
  }
}

/** mosquitto + Node-RED (mqtt in -> function -> influxdb batch) + influxd, fed by MQTT.js at QoS 1. */
export async function mingStack(readings: number, warmUp: number, influx: { url: string; pid: () => number | undefined }, killHalfway: boolean): Promise<StackRun> {
  const dir = tempDir("cs-bench-ming-");
  const database = `ming_${Date.now()}`;
  await createDatabase(influx.url, database);
  const mosquitto = await startMosquitto();
  const { port: mqttPort } = new URL(mosquitto.url);
  const influxUrl = new URL(influx.url);
  const userDir = join(dir.path, "node-red");
  mkdirSync(userDir);
  const uiPort = await freePort();
  writeFileSync(join(userDir, "settings.js"), `module.exports = ${JSON.stringify({
    uiHost: "127.0.0.1",
    uiPort,
    flowFile: "flows.json",
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: "info", metrics: false, audit: false } },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    editorTheme: { tours: false, projects: { enabled: false } },
  })};\n`);
  // The flow a village would wire in the editor: the broker with a persistent session at QoS 1, one
  // point per reading in the gateway's own schema (so both databases hold the same points).
  writeFileSync(join(userDir, "flows.json"), JSON.stringify([
    { id: "tab", type: "tab", label: "MING" },
    { id: "broker", type: "mqtt-broker", name: "mosquitto", broker: "127.0.0.1", port: mqttPort, clientid: "ming-node-red", autoConnect: true, usetls: false, protocolVersion: "4", keepalive: "60", cleansession: false, autoUnsubscribe: false },
    { id: "in", type: "mqtt in", z: "tab", name: "readings", topic: deviceTopic("readings", DEVICE), qos: "1", datatype: "json", broker: "broker", nl: false, rap: true, rh: 0, inputs: 0, wires: [["fn"]] },
    {
      id: "fn", type: "function", z: "tab", name: "to points", outputs: 1,
      func: "const b = msg.payload;\nmsg.payload = b.readings.map((r) => ({ measurement: 'reading', tags: { clock: r.clock, device: b.device, quality: r.quality, sensor: r.sensor, unit: r.unit }, fields: { value: r.value, seq: r.seq }, timestamp: r.ts }));\nreturn msg;",
      wires: [["out"]],
    },
    { id: "influx", type: "influxdb", hostname: influxUrl.hostname, port: influxUrl.port, protocol: "http", database, name: "influxd", usetls: false, influxdbVersion: "1.x" },
    { id: "out", type: "influxdb batch", z: "tab", influxdb: "influx", precision: "ms", retentionPolicy: "", name: "store", wires: [] },
  ]));
  const nodeRed = new Restartable(["node_modules/node-red/red.js", "--userDir", userDir, "--settings", join(userDir, "settings.js")], /Connected to broker/, "Node-RED");
  await nodeRed.start();
  try {
    let requestedBefore = 0;
    const { startedMs, window, cpuUs } = await runPublisher(
      ["test/bench/mqtt-producer.ts", mosquitto.url, String(readings), `--warm-up=${warmUp}`, ...(killHalfway ? ["--report-half"] : [])],
      async () => (requestedBefore = await warmUpStored(influx.url, database, warmUp)),
      () => new CpuWindow({ mosquitto: () => processCpuMs(mosquitto.pid), "node-red": () => nodeRed.cpuMs(), influxd: () => processCpuMs(influx.pid()!) }),
      async (w) => {
        w.bank("node-red");
        await nodeRed.kill("SIGKILL");
        await nodeRed.start();
        w.restart("node-red");
      },
    );
    const { lastMs, cpuMs, timed } = await closeWhenWritten(influx.url, database, requestedBefore, warmUp, readings, window);
    return {
      perSec: readings / ((lastMs - startedMs) / 1000),
      cpu: { mosquitto: (cpuMs.mosquitto * 1000) / timed, "node-red": (cpuMs["node-red"] * 1000) / timed, influxd: (cpuMs.influxd * 1000) / timed, "publisher (MQTT.js)": cpuUs },
      stored: timed,
      lost: readings - timed,
    };
  } finally {
    await nodeRed.kill("SIGTERM");
    await mosquitto.stop();
    dir.remove();
  }
}
