// An off-grid alarm channel (issue: dashboards and alarms a village cannot miss): an Emergency goes
// out by SMS through gammu-smsd, Gammu's SMS daemon, with Gammu's dummy phone standing in for the
// GSM modem. A hand-over that fails (its outbox is missing) is retried from the trigger state until
// it is taken, a gateway restart sends nothing twice, and a message gammu-smsd gives up on is
// handed over again, also when it was handed over before a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Gateway } from "../../gateway/gateway.ts";
import { parseGatewayConfig } from "../../gateway/config/load.ts";
import { loadBoardDir } from "../../protocol/board/load.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { CROP_EMERGENCY, writeCropAlertRules } from "../helpers/crop-alert-rules.ts";
import { testLog } from "../helpers/test-log.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { getJson } from "../helpers/get-json.ts";
import { postCropLoss } from "../helpers/crop-assessment.ts";
import { gammuSmsd, type GammuSmsd } from "../helpers/start-gammu-smsd.ts";

describe("alarm SMS through gammu-smsd (Gammu's dummy phone as the modem)", () => {
  const dir = tempDir("cs-sms-");
  const boards = loadBoardDir("boards");
  let smsd: GammuSmsd;
  let gateway: Gateway;
  let config: ReturnType<typeof parseGatewayConfig>;
  const api = () => `${gateway.http.url}/api`;

  beforeAll(async () => {
    smsd = gammuSmsd(join(dir.path, "gammu"), { withOutbox: false });
    const rules = writeCropAlertRules(dir.path);
    config = parseGatewayConfig({
      village: { id: "riverbend", name: "Riverbend", headCount: 180 },
      dataDir: join(dir.path, "gw"), triggersFile: rules,
      mqtt: { host: "127.0.0.1", port: 0, requireIdentity: false }, http: { host: "127.0.0.1", port: 0, anonymousWrites: true }, nodeRed: { enabled: false },
      alarms: { sms: { gammuConfig: smsd.config, numbers: ["+15550100", "+15550101"], retryMs: 300, heldTooLongMs: 1_500 } },
    }, "test");
    gateway = new Gateway({ config, boards, log: testLog });
    await gateway.start();
  }, 30_000);
  afterAll(async () => {
    await gateway?.stop();
    await smsd?.stop();
    dir.remove();
  });

  it("an Emergency whose hand-over fails is retried until gammu-smsd takes it, then sent to each number once; a Priority alert is not", async () => {
    expect((await postCropLoss(gateway.http.url, 8)).status).toBe(201); // Priority only
    expect((await postCropLoss(gateway.http.url, 35)).status).toBe(201); // and the Emergency
    await waitFor("the failed hand-over in health", async () => (await getJson(`${api()}/health`)).body.sms?.lastError);
    const health = (await getJson(`${api()}/health`)).body.sms;
    expect(health).toMatchObject({ numbers: 2, handedOver: 0, waiting: 1 });
    expect(health.lastError).toMatch(/gammu-smsd-inject exited/);
    const smsProblems = async () => ((await getJson(`${api()}/health`)).body.problems as string[]).filter((p) => p.startsWith("alarm SMS"));
    expect(await smsProblems()).toEqual([expect.stringMatching(/^alarm SMS: 1 alert not handed to gammu-smsd: .*gammu-smsd-inject exited/)]);

    // The modem's daemon comes up with its outbox: the next retry hands both messages over.
    mkdirSync(smsd.outbox, { recursive: true });
    await smsd.start();
    await waitFor("both texts sent by gammu-smsd", () => smsd.sent().length >= 2, { timeoutMs: 20_000 });
    const sent = smsd.sent();
    expect(sent.map((s) => s.number).sort()).toEqual(["+15550100", "+15550101"]);
    for (const s of sent) expect(s.text).toBe(`Riverbend: Emergency: ${CROP_EMERGENCY}`);
    expect((await getJson(`${api()}/health`)).body.sms).toMatchObject({ handedOver: 2, waiting: 0, lastError: null });
    await waitFor("no alarm SMS problem in health", async () => (await smsProblems()).length === 0);
  });

  it("a clear goes out too; after a restart nothing is sent twice", async () => {
    expect((await postCropLoss(gateway.http.url, 1)).status).toBe(201);
    await waitFor("the clear sent to both numbers", () => smsd.sent().filter((s) => s.text === `Riverbend: cleared: ${CROP_EMERGENCY}`).length === 2, { timeoutMs: 20_000 });
    await gateway.stop();
    gateway = new Gateway({ config, boards, log: testLog });
    await gateway.start();
    await new Promise((r) => setTimeout(r, 3_000)); // gammu-smsd polls its outbox every second
    expect(smsd.sent()).toHaveLength(4);
    expect((await getJson(`${api()}/health`)).body.sms).toMatchObject({ waiting: 0 });
  });

  it("a message gammu-smsd gives up on (its error folder) is said in health and handed over again", async () => {
    // Counted since this gateway started, the clears handed over before the restart included.
    const before = (await getJson(`${api()}/health`)).body.sms;
    await smsd.stop();
    expect((await postCropLoss(gateway.http.url, 35)).status).toBe(201); // the Emergency again
    await waitFor("both messages handed over", async () => (await getJson(`${api()}/health`)).body.sms?.inModem === 2);
    // Nobody would see a daemon that stopped taking messages: after heldTooLongMs health says so.
    await waitFor("the held messages among health's problems", async () =>
      ((await getJson(`${api()}/health`)).body.problems as string[]).some((p) => /^alarm SMS: 2 messages held by gammu-smsd, neither sent nor given up/.test(p)));
    // gammu-smsd gives up on one (no credit, no signal): it moves the file to its error folder, as
    // its log says ("Renamed .../outbox/X to .../error/X"). Done here by hand: with a corrupt file
    // to make it fail, gammu-smsd 1.42 hung after "Error in outbox" in 3 of 4 runs on this machine.
    const [failing] = readdirSync(smsd.outbox).filter((f) => f.includes("+15550100"));
    renameSync(join(smsd.outbox, failing), join(smsd.outbox, "..", "error", failing));
    await waitFor("the failure in health, and the message handed over again", async () => {
      const health = (await getJson(`${api()}/health`)).body.sms;
      return health?.failed === before.failed + 1 && readdirSync(smsd.outbox).filter((f) => f.includes("+15550100")).length === 1;
    });
    expect((await getJson(`${api()}/health`)).body.sms.lastError).toMatch(/gammu-smsd could not send the alarm SMS to \+15550100 \(attempt 1 of 3; .*error.*\); handed over again$/);
    // What gammu-smsd now finds: the message handed over again and the other number's. Judged by
    // its sent folder (one file per message), not its log, which repeats "Found" on a retry.
    const queued = readdirSync(smsd.outbox);
    expect(queued.map((f) => /_(\+\d+)_sms/.exec(f)?.[1]).sort()).toEqual(["+15550100", "+15550101"]);
    await smsd.start();
    const sentFolder = join(smsd.outbox, "..", "sent");
    await waitFor("both in gammu-smsd's sent folder", () => queued.every((f) => readdirSync(sentFolder).includes(f)), { timeoutMs: 20_000 });
    const emergency = `Riverbend: Emergency: ${CROP_EMERGENCY}`;
    expect(smsd.sent().slice(4).every((x) => x.text === emergency)).toBe(true);
    // Followed to the sent folder: nothing left in the modem's hands, and the failure is behind us.
    await waitFor("both confirmed sent", async () => (await getJson(`${api()}/health`)).body.sms?.inModem === 0, { timeoutMs: 10_000 });
    expect((await getJson(`${api()}/health`)).body.sms).toMatchObject({ failed: before.failed + 1, sent: before.sent + 2, inModem: 0, waiting: 0, lastError: null });
    expect(((await getJson(`${api()}/health`)).body.problems as string[]).filter((p) => p.startsWith("alarm SMS"))).toEqual([]);
  });

  it("an old message in the error folder under the name of a new one (same second, same number) is not taken for its failure", async () => {
    // gammu-smsd-inject names a message by its number and the second it is written, so one handed
    // over again at once takes the name of the one given up on. Such files, for the seconds ahead:
    const errorFolder = join(smsd.outbox, "..", "error");
    const pad = (n: number) => String(n).padStart(2, "0");
    const stamp = (d: Date) => `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
    const decoys: string[] = [];
    for (let s = 0; s < 20; s++) {
      for (const number of ["+15550100", "+15550101"]) decoys.push(`OUTC${stamp(new Date(Date.now() + s * 1000))}_00_${number}_sms0.smsbackup`);
    }
    for (const f of decoys) writeFileSync(join(errorFolder, f), "an old message gammu-smsd gave up on\n");
    const before = (await getJson(`${api()}/health`)).body.sms;
    expect((await postCropLoss(gateway.http.url, 1)).status).toBe(201); // the clear
    const sentFolder = join(smsd.outbox, "..", "sent");
    await waitFor("the clear in gammu-smsd's sent folder under a name an old error carries", () => readdirSync(sentFolder).filter((f) => decoys.includes(f)).length === 2, { timeoutMs: 20_000 });
    await waitFor("both confirmed sent", async () => (await getJson(`${api()}/health`)).body.sms?.inModem === 0, { timeoutMs: 10_000 });
    expect((await getJson(`${api()}/health`)).body.sms).toMatchObject({ failed: before.failed, sent: before.sent + 2, waiting: 0, lastError: null });
  });

  it("messages handed over before a restart are followed after it: one gammu-smsd gives up on is handed over again", async () => {
    await smsd.stop();
    await new Promise((r) => setTimeout(r, 1_100)); // the rule's quiet second after the clear
    expect((await postCropLoss(gateway.http.url, 35)).status).toBe(201); // the Emergency again
    await waitFor("both messages handed over", async () => (await getJson(`${api()}/health`)).body.sms?.inModem === 2);
    const queued = readdirSync(smsd.outbox);
    // The gateway restarts while gammu-smsd holds both; the new one follows them from its trigger state.
    await gateway.stop();
    gateway = new Gateway({ config, boards, log: testLog });
    await gateway.start();
    expect((await getJson(`${api()}/health`)).body.sms).toMatchObject({ inModem: 2, handedOver: 0, waiting: 0 });
    // gammu-smsd gives up on one: the restarted gateway sees it and hands it over again.
    const [failing] = queued.filter((f) => f.includes("+15550101"));
    renameSync(join(smsd.outbox, failing), join(smsd.outbox, "..", "error", failing));
    await waitFor("the failure seen after the restart, and the message handed over again", async () => {
      const health = (await getJson(`${api()}/health`)).body.sms;
      return health?.failed === 1 && health.handedOver === 1;
    });
    expect((await getJson(`${api()}/health`)).body.sms.lastError).toMatch(/could not send the alarm SMS to \+15550101 \(attempt 1 of 3;/);
    await smsd.start();
    await waitFor("both confirmed sent", async () => (await getJson(`${api()}/health`)).body.sms?.inModem === 0, { timeoutMs: 20_000 });
    expect((await getJson(`${api()}/health`)).body.sms).toMatchObject({ failed: 1, sent: 2, waiting: 0, lastError: null });
    const emergency = `Riverbend: Emergency: ${CROP_EMERGENCY}`;
    expect(smsd.sent().filter((x) => x.text === emergency).map((x) => x.number).slice(-2).sort()).toEqual(["+15550100", "+15550101"]);
  });
});
