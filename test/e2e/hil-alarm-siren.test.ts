// Alarms beyond screens, on real firmware: an Emergency raised at the gateway switches the water
// board's siren (pin 12) on through a signed command, the edge agent and StandardFirmata on the
// emulated ATmega328P; acknowledging the alert silences it; a Priority alert does not sound it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { EdgeAgent } from "../../edge/agent.ts";
import { loadBoardFile } from "../../protocol/board/load.ts";
import { openFirmataIo } from "../../edge/io/firmata-io.ts";
import { UnoEmulator } from "../helpers/uno-emulator.ts";
import { startTestGateway } from "../helpers/test-gateway.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { writeCropAlertRules } from "../helpers/crop-alert-rules.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { getJson } from "../helpers/get-json.ts";
import { postCropLoss } from "../helpers/crop-assessment.ts";

const water = loadBoardFile("boards/water.yaml").board;
const SIREN_PIN = water.actuators.find((a) => a.id === "alarm-siren")!.pin;

describe("the water board's siren, driven by the gateway's alerts (emulated ATmega328P)", () => {
  const dir = tempDir("cs-hil-siren-");
  let uno: UnoEmulator;
  let agent: EdgeAgent;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let api: string;
  const sirenHigh = () => uno.events.filter((e) => e.pin === SIREN_PIN).at(-1)?.level === "1";

  beforeAll(async () => {
    const rules = writeCropAlertRules(dir.path);
    gw = await startTestGateway({ triggersFile: rules, alarms: { outputs: [{ device: "water-main", output: "alarm-siren" }] } });
    api = `${gw.gateway.http.url}/api`;
    uno = await UnoEmulator.start();
    uno.adc(0, 2_900); // tanks half full, nothing else raising alerts
    uno.adc(1, 2_900);
    uno.adc(2, 2_900);
    uno.adc(3, 1_000);
    const board = { ...water, io: { kind: "firmata" as const, path: uno.path, baudRate: 57600 } };
    agent = new EdgeAgent({ board, io: openFirmataIo({ path: uno.path, baudRate: 57600 }), gatewayUrl: gw.gateway.broker.url, gatewayKey: gw.gateway.commands.publicKeyPem, dataDir: join(dir.path, "edge"), log: testLog, sampleIntervalMs: 500 });
    await agent.start();
    await waitFor("the board online at the gateway", async () => (await getJson(`${api}/health`)).body.devices.find((d: { device: string; online: boolean }) => d.device === "water-main")?.online, { timeoutMs: 30_000 });
  }, 90_000);
  afterAll(async () => {
    await agent?.stop();
    await uno?.stop();
    await gw?.stop();
    dir.remove();
  });

  it("a Priority alert does not sound it", async () => {
    expect((await postCropLoss(gw.gateway.http.url, 8)).status).toBe(201);
    await waitFor("the Priority alert", async () => (await getJson(`${api}/alerts?active=1`)).body.length === 1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sirenHigh()).toBe(false);
    expect((await getJson(`${api}/health`)).body.alarmOutputs).toEqual({ "water-main/alarm-siren": "silent" });
  });

  it("an Emergency sounds it on the board's pin; acknowledging silences it while the alert stays active", async () => {
    expect((await postCropLoss(gw.gateway.http.url, 35)).status).toBe(201);
    await waitFor("the siren's pin HIGH", sirenHigh, { timeoutMs: 10_000 });
    expect((await getJson(`${api}/health`)).body.alarmOutputs).toEqual({ "water-main/alarm-siren": "sounding" });
    const emergency = (await getJson(`${api}/alerts?active=1`)).body.find((a: { urgency: string }) => a.urgency === "Emergency");
    const ack = await fetch(`${api}/alerts/${encodeURIComponent(emergency.id)}/acknowledged`, { method: "POST" });
    expect(ack.status).toBe(200);
    await waitFor("the siren's pin LOW", () => !sirenHigh(), { timeoutMs: 10_000 });
    expect((await getJson(`${api}/alerts?active=1`)).body.some((a: { id: string }) => a.id === emergency.id)).toBe(true);
  });

  it("a new Emergency after the last cleared sounds it again", async () => {
    expect((await postCropLoss(gw.gateway.http.url, 1)).status).toBe(201);
    await waitFor("no active alert", async () => (await getJson(`${api}/alerts?active=1`)).body.length === 0);
    expect((await postCropLoss(gw.gateway.http.url, 40)).status).toBe(201);
    await waitFor("the siren's pin HIGH again", sirenHigh, { timeoutMs: 10_000 });
  });
});
