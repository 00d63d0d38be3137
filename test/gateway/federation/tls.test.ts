// The federation link over TLS, for links that leave the building: a hub on mqtts:// with a
// certificate from the federation's CA. A village that trusts that CA links up and its aid request
// arrives; one that trusts another CA, or speaks plain MQTT to the TLS port, gets nothing through.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { readFileSync } from "node:fs";
import { FederationHub } from "../../../gateway/federation/hub.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { makeTestCerts, type TestCerts } from "../../helpers/test-certs.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { getJson } from "../../helpers/get-json.ts";
import { postCropLoss } from "../../helpers/crop-assessment.ts";

describe("federation link over TLS", () => {
  let certs: TestCerts;
  let hub: FederationHub;

  beforeAll(async () => {
    certs = makeTestCerts();
    hub = new FederationHub({
      villages: ["riverbend", "hillside"],
      mqtt: { host: "127.0.0.1", port: 0, tls: { certFile: certs.certFile, keyFile: certs.keyFile } },
      http: { host: "127.0.0.1", port: 0 },
      log: testLog,
    });
    await hub.start();
  });
  afterAll(async () => {
    await hub?.stop();
    certs?.remove();
  });

  it("links a village that trusts the federation's CA, and its aid request reaches the hub", async () => {
    expect(hub.broker.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const gw = await startTestGateway({ federation: { hubUrl: hub.broker.url, tls: { caFile: certs.caFile } } });
    try {
      await waitFor("the link up over TLS", () => gw.gateway.link?.connected === true, { timeoutMs: 15_000 });
      const assess = await postCropLoss(gw.gateway.http.url, 40);
      expect(assess.status).toBe(201);
      await waitFor("the requests at the hub", () => hub.requests.size === 2, { timeoutMs: 15_000 });
      const { body } = await getJson(`${hub.http.url}/api/federation/requests`);
      expect(body.map((r: { village: string }) => r.village)).toEqual(["riverbend", "riverbend"]);
    } finally {
      await gw.stop();
    }
  });

  it("gets nothing through when the village trusts another CA, or speaks plain MQTT to the TLS port", async () => {
    const before = hub.received.length;
    const wrongCa = mqtt.connect(hub.broker.url, { ca: readFileSync(certs.otherCaFile), rejectUnauthorized: true, clientId: "village-hillside", reconnectPeriod: 0 });
    const refused = await new Promise<string>((resolve) => {
      wrongCa.once("connect", () => resolve("connected"));
      wrongCa.once("error", (err) => resolve(err.message));
    });
    wrongCa.end(true);
    expect(refused).toMatch(/certificate/i);

    const plain = mqtt.connect(hub.broker.url.replace("mqtts:", "mqtt:"), { clientId: "village-hillside", reconnectPeriod: 0, connectTimeout: 2_000 });
    const plainResult = await new Promise<string>((resolve) => {
      plain.once("connect", () => resolve("connected"));
      plain.once("error", (err) => resolve(err.message));
      plain.once("close", () => resolve("closed"));
    });
    plain.end(true);
    expect(plainResult).not.toBe("connected");
    expect(hub.received.length).toBe(before);
  });

  it("refuses a village configuration whose CA file cannot be read, naming the field", async () => {
    await expect(startTestGateway({ federation: { hubUrl: hub.broker.url, tls: { caFile: "/nonexistent/ca.crt" } } })).rejects.toThrow(/federation\.tls\.caFile: \/nonexistent\/ca\.crt cannot be read/);
  });
});
