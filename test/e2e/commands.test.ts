// Commands end to end: the gateway issues (manual override and a trigger-matrix action), the edge
// agent executes on its pins and answers, and the audit log keeps both sides.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeAgent } from "../../edge/agent.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { SimulatedIo } from "../../edge/io/simulated-io.ts";
import { deviceTopic } from "../../protocol/topics.ts";
import { getJson } from "../helpers/get-json.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("commands from the gateway to the edge", () => {
  const dir = tempDir();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let agent: EdgeAgent;
  let io: SimulatedIo;
  let api: string;
  const workshopPin = 9; // active-low: LOW = on

  beforeAll(async () => {
    const rules = join(dir.path, "rules.yaml");
    writeFileSync(rules, `rules:
  - id: battery-low
    when: power.socPct < 25
    clear: power.socPct > 40
    urgency: Priority
    actions:
      - alert: Battery low - tier-3 loads shed
      - command: { device: power-main, output: workshop-load, onRaise: off, onClear: on }
`);
    gw = await startTestGateway({ triggersFile: rules });
    api = `${gw.gateway.http.url}/api`;
    // 51 V on the bank (counts for 0-60 V over 0-1023), no current.
    io = new SimulatedIo({ readAnalog: (c) => (c === 0 ? 870 : c === 1 ? 512 : 205), readDigital: () => 0, samplingIntervalMs: 10 });
    agent = new EdgeAgent({
      board: loadBoardFile("boards/power.yaml").board,
      io,
      gatewayUrl: gw.gateway.broker.url,
      gatewayKey: gw.gateway.commands.publicKeyPem,
      dataDir: join(dir.path, "edge"),
      log: testLog,
      sampleIntervalMs: 3_600_000,
      firstRound: false,
    });
    await agent.start();
    await waitFor("the agent connected", () => agent.publisher.connected);
    await new Promise((r) => setTimeout(r, 100)); // its command subscription is in place
  });
  afterAll(async () => {
    await agent?.stop();
    await gw?.stop();
    dir.remove();
  });

  it("executes a manual override and records the command with accepted and done in the audit log", async () => {
    const res = await post(`${api}/commands`, { device: "power-main", output: "workshop-load", action: "on", reason: "workshop day" });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor("the relay to switch", () => agent.outputs!.state("workshop-load") === "on");
    expect(io.writes.filter((w) => w.pin === workshopPin).at(-1)!.value).toBe(0);
    const entry = await waitFor("both replies in the audit", async () => {
      const { body } = await getJson(`${api}/commands`);
      const e = body.find((x: { id: string }) => x.id === id);
      return e?.replies.length === 2 ? e : undefined;
    });
    expect(entry.command).toMatchObject({ issuer: "gateway", target: { device: "power-main", output: "workshop-load" }, action: "on", reason: "workshop day" });
    expect(entry.replies.map((r: { status: string }) => r.status)).toEqual(["accepted", "done"]);
  });

  it("sheds the load when the trigger matrix raises and restores it when it clears", async () => {
    const probe = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "soc-probe" });
    const soc = (seq: number, value: number) =>
      probe.publishAsync(
        deviceTopic("readings", "power-main"),
        JSON.stringify({ device: "power-main", readings: [{ seq, sensor: "battery-soc", value, unit: "%", quality: "good", ts: Date.now(), clock: "synced" }] }),
        { qos: 1 },
      );
    await soc(1_000_001, 20);
    await waitFor("the load shed", () => agent.outputs!.state("workshop-load") === "off");
    await soc(1_000_002, 45);
    await waitFor("the load restored", () => agent.outputs!.state("workshop-load") === "on");
    const { body } = await getJson(`${api}/commands`);
    expect(body.filter((e: { command: { reason: string } }) => e.command.reason?.startsWith("battery-low#1")).map((e: { command: { action: string } }) => e.command.action).sort()).toEqual(["off", "on"]);
    await probe.endAsync();
  });

  it("refuses a command or an acknowledgement published by any client: only the gateway itself may", async () => {
    const rogue = await mqtt.connectAsync(gw.gateway.broker.url, { clientId: "rogue", reconnectPeriod: 0 });
    const closed = new Promise<void>((r) => rogue.once("close", () => r()));
    const before = agent.commands!.executed;
    const now = Date.now();
    rogue.publish("cs/v1/dev/power-main/commands", JSON.stringify({
      id: "forged", target: { device: "power-main", output: "laundry-load" }, action: "on", issuer: "gateway",
      issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString(),
    }), { qos: 1 });
    await closed; // [MQTT-3.3.5-2] the broker closes the connection of an unauthorised publish
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.commands!.executed).toBe(before);
    expect(agent.outputs!.state("laundry-load")).toBe("off");
    const { body } = await getJson(`${api}/health`);
    expect(body.components.broker.refusedPublishes).toBeGreaterThanOrEqual(1);
    rogue.end(true);
  });

  it("refuses a command for an unknown output with a code, sending nothing", async () => {
    const before = (await getJson(`${api}/commands`)).body.length;
    const res = await post(`${api}/commands`, { device: "power-main", output: "rocket", action: "on" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("CS_ERR_COMMAND_TARGET");
    expect((await getJson(`${api}/commands`)).body.length).toBe(before);
  });
});
