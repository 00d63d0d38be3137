// Provisioning control on the simulated IO plugin, which records every pin write from the first
// instant. No gateway is reachable in these tests: everything here runs on the edge alone.
import { afterEach, describe, expect, it } from "vitest";
import { EdgeAgent } from "../../../edge/agent.ts";
import { loadBoardFile } from "../../../protocol/board/load.ts";
import type { BoardDefinition } from "../../../protocol/board/schema.ts";
import { analogLinear } from "../../../edge/drivers/analog-linear.ts";
import { SimulatedIo } from "../../../edge/io/simulated-io.ts";
import { GATEWAY_ISSUER, type Command, type CommandReply } from "../../../protocol/commands.ts";
import { signCommand } from "../../../protocol/command-signature.ts";
import { generateKeyPairSync } from "node:crypto";
import { freePort } from "../../helpers/free-port.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
/** The village gateway's signing key, as enrolment gives its public half to the board. */
const gatewayKeys = generateKeyPairSync("ed25519");
const GATEWAY_KEY_PEM = gatewayKeys.publicKey.export({ type: "spki", format: "pem" }).toString();

/** Real units on each analog pin, turned into the counts the board's calibration expects. */
function rig(board: BoardDefinition, values: Record<string, number>, digital: (pin: number) => 0 | 1 = () => 0) {
  const clock = { t: T0 };
  const byChannel = new Map<number, () => number>();
  for (const s of board.sensors) {
    if (s.driver !== "analog-linear") continue;
    const map = analogLinear(s.calibration);
    byChannel.set(Number(s.pin.slice(1)), () => map.toCounts(values[s.id] ?? 0));
  }
  const io = new SimulatedIo({ readAnalog: (c) => byChannel.get(c)?.() ?? 0, readDigital: digital, samplingIntervalMs: 10 });
  return { io, clock };
}

async function startAgent(board: BoardDefinition, values: Record<string, number>, digital?: (pin: number) => 0 | 1) {
  const dir = tempDir();
  const { io, clock } = rig(board, values, digital);
  const replies: CommandReply[] = [];
  const agent = new EdgeAgent({
    board,
    io,
    gatewayUrl: `mqtt://127.0.0.1:${await freePort()}`, // nothing listens: the gateway is unreachable
    dataDir: dir.path,
    log: testLog,
    clock: { now: () => clock.t, monotonicMs: () => clock.t - T0 },
    sampleIntervalMs: 3_600_000, // samples are taken by the test
    firstRound: false,
    gatewayKey: GATEWAY_KEY_PEM,
  });
  await agent.start();
  agent.publisher.reply = (r) => replies.push(r);
  await waitFor("first analog reports", () => io.pins[io.analogPins[0]].value > 0 || Object.keys(values).length === 0);
  const writesOf = (pin: number) => io.writes.filter((w) => w.pin === pin).map((w) => w.value);
  /** A command as the gateway signs it; `signWith` null sends it unsigned, a key signs with that one. */
  const command = (over: Record<string, unknown>, signWith: typeof gatewayKeys.privateKey | null = gatewayKeys.privateKey) => {
    const unsigned = {
      id: "c1", target: { device: board.id, output: "cistern-pump" }, action: "on", issuer: GATEWAY_ISSUER,
      issuedAt: new Date(clock.t).toISOString(), expiresAt: new Date(clock.t + 3 * 3_600_000).toISOString(), ...over,
    } as Command;
    agent.commands!.handle(Buffer.from(JSON.stringify(signWith ? signCommand(unsigned, signWith) : unsigned)));
  };
  return {
    agent, io, clock, replies, writesOf, command,
    async stop() {
      await agent.stop();
      dir.remove();
    },
  };
}

const water = loadBoardFile("boards/water.yaml").board;
const power = loadBoardFile("boards/power.yaml").board;
const greenhouse = loadBoardFile("boards/greenhouse.yaml").board;
const healthyWater = { "tank-north-level": 5000, "tank-south-level": 5000, "cistern-level": 20000, "main-flow": 3 };

describe("provisioning control on the edge", () => {
  let rigs: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const r of rigs) await r.stop();
    rigs = [];
  });
  const track = <T extends { stop(): Promise<void> }>(r: T) => (rigs.push(r), r);

  it("never drives an output outside its safe state at boot or after a reconnect, before a command", async () => {
    const r = track(await startAgent(water, healthyWater));
    // Active-low pump relay: safe "off" is HIGH, written before the pin becomes an output.
    expect(r.writesOf(8)).toEqual([1, 1]);
    expect(r.writesOf(9)).toEqual([1, 1]); // valve on the main: safe "on", active-high
    r.command({ id: "pump-on" });
    expect(r.writesOf(8).at(-1)).toBe(0);
    r.io.reconnect();
    await waitFor("safe states after the reconnect", () => r.writesOf(8).at(-1) === 1);
    expect(r.agent.outputs!.state("cistern-pump")).toBe("off");
    expect(r.writesOf(9).every((v) => v === 1)).toBe(true);
  });

  it("drives an NC-contact relay so that its load is off in the safe state", async () => {
    const board: BoardDefinition = {
      ...water,
      actuators: [{ id: "cistern-pump", kind: "relay", pin: 8, activeLow: false, contact: "NC", safeState: "off", maxOnTime: "1h", travelTime: "30s" }],
      safety: [],
    };
    const r = track(await startAgent(board, healthyWater));
    expect(r.writesOf(8)).toEqual([1, 1]); // coil energised: NC contact open, pump off
    r.command({ id: "nc-on" });
    expect(r.writesOf(8).at(-1)).toBe(0);
  });

  it("trips every local interlock with the gateway unreachable for 30 simulated minutes", async () => {
    const values = { ...healthyWater };
    const w = track(await startAgent(water, values));
    const values2 = { "battery-voltage": 51, "battery-current": -5, "solar-power": 0 };
    const p = track(await startAgent(power, values2));
    const values3 = { "air-temp": 20, "air-humidity": 60, light: 1000, "bed-1-moisture": 50 };
    const g = track(await startAgent(greenhouse, values3));
    w.command({ id: "fill" });
    p.command({ id: "workshop", target: { device: "power-main", output: "workshop-load" } });
    p.command({ id: "laundry", target: { device: "power-main", output: "laundry-load" } });
    expect(w.agent.outputs!.state("cistern-pump")).toBe("on");
    for (let minute = 1; minute <= 30; minute++) {
      for (const x of [w, p, g]) x.clock.t += 60_000;
      values["cistern-level"] = 20000 - minute * 700; // a leak drains the cistern
      values2["battery-voltage"] = 51 - minute * 0.15; // the bank sags at night
      values3["air-temp"] = 20 + minute * 0.5; // a hot afternoon
      await new Promise((res) => setTimeout(res, 25)); // let the simulated board report
      for (const x of [w, p, g]) x.agent.sampleNow();
    }
    expect(w.agent.publisher.connected).toBe(false);
    expect(w.agent.outputs!.state("cistern-pump")).toBe("off"); // dry-run protection
    expect(p.agent.outputs!.state("workshop-load")).toBe("off"); // low-voltage disconnect
    expect(p.agent.outputs!.state("laundry-load")).toBe("off");
    expect(p.agent.outputs!.state("clinic-fridge")).toBe("on"); // essential load untouched
    expect(g.agent.outputs!.state("roof-vent")).toBe(100); // over-temperature
    expect(g.io.writes.filter((x) => x.pin === 5).at(-1)!.value).toBe(255);
    expect(w.agent.outputs!.changes.find((c) => c.source === "safety")!.detail).toMatch(/^pump-dry-run/);
  });

  it("runs an expired command 0 times and a repeated id once", async () => {
    const r = track(await startAgent(water, healthyWater));
    r.command({ id: "late", expiresAt: new Date(T0 - 1).toISOString() });
    expect(r.agent.commands!.executed).toBe(0);
    expect(r.replies.at(-1)).toMatchObject({ id: "late", status: "rejected", code: "CS_ERR_COMMAND_EXPIRED" });
    expect(r.writesOf(8)).toEqual([1, 1]); // no pin changed
    r.command({ id: "twice" });
    r.command({ id: "twice" });
    expect(r.agent.commands!.executed).toBe(1);
    expect(r.replies.filter((x) => x.id === "twice").map((x) => x.status)).toEqual(["accepted", "done", "done"]);
  });

  it("keeps no output on beyond its maximum on-time (within 1 s)", async () => {
    const r = track(await startAgent(water, healthyWater));
    r.command({ id: "long-fill", expiresAt: new Date(r.clock.t + 5 * 3_600_000).toISOString() }); // a lease past the limit
    r.clock.t += 3 * 3_600_000 - 1; // just under 3 h
    r.agent.outputs!.tick();
    expect(r.agent.outputs!.state("cistern-pump")).toBe("on");
    r.clock.t += 1_000;
    await waitFor("the control tick", () => r.agent.outputs!.state("cistern-pump") === "off", { timeoutMs: 1_000 });
    expect(r.agent.outputs!.changes.at(-1)).toMatchObject({ source: "max-on-time", output: "cistern-pump" });
  });

  it("switches the frost heater on below 2 °C and off above 4 °C, and never heats on an unreadable sensor", async () => {
    const values = { "air-temp": 6, "air-humidity": 80, light: 0, "bed-1-moisture": 50 };
    const g = track(await startAgent(greenhouse, values));
    const step = async (celsius: number) => {
      values["air-temp"] = celsius;
      await new Promise((res) => setTimeout(res, 40));
      g.agent.sampleNow();
      return g.agent.outputs!.state("frost-heater");
    };
    expect(await step(3)).toBe("off");
    expect(await step(1.5)).toBe("on");
    expect(await step(3)).toBe("on"); // hysteresis: still below the clear threshold
    expect(await step(5)).toBe("off");
    expect(await step(-60)).toBe("off"); // the TMP36 reads 0 counts: a wiring fault, not frost
    expect(g.agent.outputs!.changes.some((c) => c.output === "frost-heater" && /cannot be read/.test(c.detail ?? ""))).toBe(false);
  });

  it("stops the pump and closes the fill valve when a storage tank is full", async () => {
    const values = { ...healthyWater };
    const r = track(await startAgent(water, values));
    r.command({ id: "pump", target: { device: "water-main", output: "cistern-pump" } });
    r.command({ id: "valve", target: { device: "water-main", output: "fill-valve" } });
    expect([r.agent.outputs!.state("cistern-pump"), r.agent.outputs!.state("fill-valve")]).toEqual(["on", "on"]);
    values["tank-north-level"] = 9900;
    await new Promise((res) => setTimeout(res, 40));
    r.agent.sampleNow();
    expect([r.agent.outputs!.state("cistern-pump"), r.agent.outputs!.state("fill-valve")]).toEqual(["off", "off"]);
    values["tank-north-level"] = 8500; // below the clear threshold: released to safe states
    await new Promise((res) => setTimeout(res, 40));
    r.agent.sampleNow();
    r.command({ id: "pump-again", target: { device: "water-main", output: "cistern-pump" } });
    expect(r.agent.outputs!.state("cistern-pump")).toBe("on");
  });

  it("warns when a valve's end switch does not confirm the move within its travel time", async () => {
    const board: BoardDefinition = {
      ...water,
      actuators: water.actuators.map((a) => (a.id === "fill-valve" ? { ...a, feedbackPin: 11, travelTime: "30s" } : a)),
    };
    let endSwitch: 0 | 1 = 0;
    const r = track(await startAgent(board, healthyWater, (pin) => (pin === 11 ? endSwitch : 0)));
    r.command({ id: "open-valve", target: { device: "water-main", output: "fill-valve" } });
    r.clock.t += 31_000;
    await new Promise((res) => setTimeout(res, 30));
    r.agent.outputs!.tick();
    expect([...r.agent.outputs!.warnings.values()]).toEqual(["fill-valve did not report open within 30s: check the valve motor and its end switch"]);
    endSwitch = 1; // the valve gets there after all
    await new Promise((res) => setTimeout(res, 30));
    r.agent.outputs!.tick();
    expect(r.agent.outputs!.warnings.size).toBe(0);
  });

  it("lets a safety loop override a conflicting command, which is answered rejected with the reason", async () => {
    const r = track(await startAgent(water, { ...healthyWater, "cistern-level": 800 }));
    r.agent.sampleNow();
    r.command({ id: "pump-please" });
    expect(r.replies.at(-1)).toMatchObject({ status: "rejected", code: "CS_ERR_COMMAND_INTERLOCKED" });
    expect(r.replies.at(-1)!.reason).toContain("pump-dry-run");
    expect(r.agent.outputs!.state("cistern-pump")).toBe("off");
  });

  it("rejects a malformed envelope, a foreign issuer and an unknown output with codes, changing no pin", async () => {
    const r = track(await startAgent(water, healthyWater));
    const before = r.io.writes.length;
    r.agent.commands!.handle(Buffer.from("{nope"));
    r.command({ id: "x1", issuer: "water-main" });
    r.command({ id: "x2", target: { device: "water-main", output: "rocket" } });
    r.command({ id: "x3", action: "set", value: 50 });
    expect(r.replies.map((x) => x.code)).toEqual(["CS_ERR_COMMAND_INVALID", "CS_ERR_COMMAND_ISSUER", "CS_ERR_COMMAND_TARGET", "CS_ERR_COMMAND_INVALID"]);
    expect(r.io.writes.length).toBe(before);
  });

  it("refuses a command its gateway did not sign, changing no pin, and says so in the device status", async () => {
    const r = track(await startAgent(water, healthyWater));
    const before = r.io.writes.length;
    r.command({ id: "forged-unsigned" }, null);
    r.command({ id: "forged-other-key" }, generateKeyPairSync("ed25519").privateKey);
    // A signed command altered on the way: valid until 2099 instead of what the gateway said.
    const signed = signCommand({ id: "altered", target: { device: "water-main", output: "cistern-pump" }, action: "on", issuer: GATEWAY_ISSUER, issuedAt: new Date(r.clock.t).toISOString(), expiresAt: new Date(r.clock.t + 60_000).toISOString() }, gatewayKeys.privateKey);
    r.agent.commands!.handle(Buffer.from(JSON.stringify({ ...signed, expiresAt: "2099-01-01T00:00:00.000Z" })));
    expect(r.replies.map((x) => [x.id, x.status, x.code])).toEqual([
      ["forged-unsigned", "rejected", "CS_ERR_COMMAND_UNPROVEN"],
      ["forged-other-key", "rejected", "CS_ERR_COMMAND_UNPROVEN"],
      ["altered", "rejected", "CS_ERR_COMMAND_UNPROVEN"],
    ]);
    expect(r.io.writes.length).toBe(before);
    expect(r.agent.outputs!.state("cistern-pump")).toBe("off");
    expect(r.agent.commands!.warning()).toMatch(/^3 command\(s\) refused without the gateway's signature/);
    // The genuine command still runs.
    r.command({ id: "genuine" });
    expect(r.agent.outputs!.state("cistern-pump")).toBe("on");
  });

  it("a board without its gateway's key obeys no command", async () => {
    const r = track(await startAgent({ ...water }, healthyWater));
    (r.agent.commands as unknown as { o: { gatewayKey: undefined } }).o.gatewayKey = undefined;
    r.command({ id: "any" });
    expect(r.replies.at(-1)).toMatchObject({ status: "rejected", code: "CS_ERR_COMMAND_UNPROVEN" });
    expect(r.replies.at(-1)!.reason).toContain("no gateway key");
    expect(r.agent.outputs!.state("cistern-pump")).toBe("off");
  });

  it("returns a commanded output to its safe state when its lease ends without renewal; a renewal extends it", async () => {
    const r = track(await startAgent(water, healthyWater));
    const lease = (id: string) => r.command({ id, issuedAt: new Date(r.clock.t).toISOString(), expiresAt: new Date(r.clock.t + 60_000).toISOString() });
    lease("pump-60s");
    expect(r.agent.outputs!.state("cistern-pump")).toBe("on");
    r.clock.t += 50_000;
    lease("pump-60s-renewed");
    r.clock.t += 50_000; // 100 s after the first command, 50 s into the renewal
    r.agent.outputs!.tick();
    expect(r.agent.outputs!.state("cistern-pump")).toBe("on");
    r.clock.t += 10_000;
    await waitFor("the control tick", () => r.agent.outputs!.state("cistern-pump") === "off", { timeoutMs: 1_000 });
    expect(r.agent.outputs!.changes.at(-1)).toMatchObject({ source: "lease-ended", output: "cistern-pump", state: "off" });
    expect(r.writesOf(8).at(-1)).toBe(1); // active-low relay: HIGH is off
  });

  it("ends a lease taken on an output a safety loop had already switched there, though nothing else is watched", async () => {
    const r = track(await startAgent(power, {}));
    // Load shedding switched the essential fridge off (its safe state is on); nothing is running.
    r.agent.outputs!.set("clinic-fridge", "off", "safety");
    await new Promise((resolve) => setTimeout(resolve, 600)); // the control timer has gone idle
    r.command({ id: "fridge-off-60s", target: { device: "power-main", output: "clinic-fridge" }, action: "off", expiresAt: new Date(r.clock.t + 60_000).toISOString() });
    expect(r.agent.outputs!.state("clinic-fridge")).toBe("off");
    r.clock.t += 61_000;
    await waitFor("the control tick", () => r.agent.outputs!.state("clinic-fridge") === "on", { timeoutMs: 1_000 });
    expect(r.agent.outputs!.changes.at(-1)).toMatchObject({ source: "lease-ended", output: "clinic-fridge", state: "on" });
  });

  it("never holds a valve whose safe state is open closed past its limit, however often the close is renewed", async () => {
    const r = track(await startAgent(water, healthyWater));
    const limitMs = 6 * 3_600_000; // main-valve: maxOnTime 6h
    const close = (id: string) =>
      r.command({ id, target: { device: "water-main", output: "main-valve" }, action: "off", issuedAt: new Date(r.clock.t).toISOString(), expiresAt: new Date(r.clock.t + 600_000).toISOString() });
    close("close-0");
    expect(r.agent.outputs!.state("main-valve")).toBe("off");
    for (let i = 1; r.clock.t - T0 < limitMs - 300_000; i++) {
      r.clock.t += 300_000;
      close(`close-${i}`);
      r.agent.outputs!.tick();
      expect(r.agent.outputs!.state("main-valve")).toBe("off");
    }
    r.clock.t = T0 + limitMs;
    await waitFor("the control tick", () => r.agent.outputs!.state("main-valve") === "on", { timeoutMs: 1_000 });
    expect(r.agent.outputs!.changes.at(-1)).toMatchObject({ source: "max-on-time", output: "main-valve", state: "on" });
  });
});
