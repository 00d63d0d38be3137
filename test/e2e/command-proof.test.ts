// The edge knows its gateway. An agent that reaches a rogue broker (anything on the village network
// can run one) refuses every command its gateway did not sign, and no pin moves; one commanded by its
// real gateway gets its output back to the safe state when the command's lease ends during an outage.
import { afterEach, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { join } from "node:path";
import { EdgeAgent } from "../../edge/agent.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { SimulatedIo } from "../../edge/io/simulated-io.ts";
import { Aedes } from "aedes";
import { createServer, type AddressInfo } from "node:net";
import { GATEWAY_ISSUER, type Command, type CommandReply } from "../../protocol/commands.ts";
import { signCommand } from "../../protocol/command-signature.ts";
import { deviceTopic } from "../../protocol/topics.ts";
import { generateKeyPairSync } from "node:crypto";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

const WORKSHOP_PIN = 9; // active-low relay: LOW is on
const board = loadBoardFile("boards/power.yaml").board;
const io = () => new SimulatedIo({ readAnalog: (c) => (c === 0 ? 870 : c === 1 ? 512 : 205), readDigital: () => 0, samplingIntervalMs: 10 });

describe("commands only from the board's own gateway", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it("an agent on a rogue broker refuses unsigned, foreign-signed and altered commands; no pin moves", async () => {
    const dir = tempDir();
    const gw = await startTestGateway(); // the real gateway, whose key the board was enrolled with
    cleanups.push(async () => {
      await gw.stop();
      dir.remove();
    });
    // A plain aedes broker, as anyone could run one: it lets any client publish anything.
    const aedes = await Aedes.createBroker();
    const server = createServer(aedes.handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const rogue = { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}` };
    cleanups.push(async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise((r) => server.close(r));
    });
    const pins = io();
    const agent = new EdgeAgent({ board, io: pins, gatewayUrl: rogue.url, gatewayKey: gw.gateway.commands.publicKeyPem, dataDir: join(dir.path, "edge"), log: testLog, sampleIntervalMs: 3_600_000, firstRound: false, statusIntervalMs: 200 });
    await agent.start();
    cleanups.unshift(() => agent.stop());
    await waitFor("the agent on the rogue broker", () => agent.publisher.connected);
    const attacker = await mqtt.connectAsync(rogue.url, { clientId: "attacker" });
    cleanups.unshift(() => attacker.endAsync(true));
    const replies: CommandReply[] = [];
    attacker.on("message", (topic, payload) => {
      if (topic === deviceTopic("command-replies", "power-main")) replies.push(JSON.parse(payload.toString()) as CommandReply);
    });
    await attacker.subscribeAsync(deviceTopic("command-replies", "power-main"), { qos: 1 });
    await waitFor("the agent's command subscription", async () => {
      // A probe it must answer proves the agent listens; its answer is a refusal too.
      await attacker.publishAsync(deviceTopic("commands", "power-main"), JSON.stringify({ id: "probe" }), { qos: 1 });
      return replies.some((r) => r.id === "probe");
    });
    const writesBefore = pins.writes.length;
    const now = Date.now();
    const forged: Command = { id: "forged-1", target: { device: "power-main", output: "workshop-load" }, action: "on", issuer: GATEWAY_ISSUER, reason: "manual override", issuedAt: new Date(now).toISOString(), expiresAt: "2099-01-01T00:00:00.000Z" };
    const genuineLooking = signCommand({ ...forged, id: "forged-3", expiresAt: new Date(now + 60_000).toISOString() }, generateKeyPairSync("ed25519").privateKey);
    for (const c of [forged, { ...forged, id: "forged-2", signature: "AAAA" }, genuineLooking]) await attacker.publishAsync(deviceTopic("commands", "power-main"), JSON.stringify(c), { qos: 1 });
    await waitFor("three refusals", () => replies.filter((r) => r.id.startsWith("forged-")).length === 3);
    expect(replies.filter((r) => r.id.startsWith("forged-")).map((r) => [r.status, r.code])).toEqual(Array(3).fill(["rejected", "CS_ERR_COMMAND_UNPROVEN"]));
    expect(agent.outputs!.state("workshop-load")).toBe("off");
    expect(pins.writes.slice(writesBefore).filter((w) => w.pin === WORKSHOP_PIN)).toEqual([]);
    expect(agent.commands!.warning()).toMatch(/^3 command\(s\) refused without the gateway's signature/);
  });

  it("an output held by its gateway's command returns to its safe state when the lease ends in an outage", async () => {
    const dir = tempDir();
    const gw = await startTestGateway();
    let gatewayUp = true;
    cleanups.push(async () => {
      if (gatewayUp) await gw.stop();
      dir.remove();
    });
    const pins = io();
    const agent = new EdgeAgent({ board, io: pins, gatewayUrl: gw.gateway.broker.url, gatewayKey: gw.gateway.commands.publicKeyPem, dataDir: join(dir.path, "edge"), log: testLog, sampleIntervalMs: 3_600_000, firstRound: false });
    await agent.start();
    cleanups.unshift(() => agent.stop());
    await waitFor("the agent connected", () => agent.publisher.connected);
    const issue = () => fetch(`${gw.gateway.http.url}/api/commands`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ device: "power-main", output: "workshop-load", action: "on", ttlSeconds: 3 }) });
    await waitFor("the workshop switched on", async () => {
      if (agent.outputs!.state("workshop-load") !== "on") expect((await issue()).status).toBe(202);
      return agent.outputs!.state("workshop-load") === "on";
    }, { intervalMs: 300 });
    const onAt = Date.now();
    expect(pins.writes.filter((w) => w.pin === WORKSHOP_PIN).at(-1)!.value).toBe(0);
    await gw.stop(); // the gateway goes away and renews nothing
    gatewayUp = false;
    await waitFor("the lease to end", () => agent.outputs!.state("workshop-load") === "off", { timeoutMs: 6_000 });
    expect(Date.now() - onAt).toBeLessThan(4_000);
    expect(agent.outputs!.changes.at(-1)).toMatchObject({ output: "workshop-load", state: "off", source: "lease-ended" });
    expect(pins.writes.filter((w) => w.pin === WORKSHOP_PIN).at(-1)!.value).toBe(1);
  });
});
