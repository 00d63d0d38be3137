// The alarm channel is an outbox: a clear committed just before the gateway died goes out on MQTT
// after the restart, once per id, and a restart after that repeats nothing. Real aedes (the
// gateway's Broker) and a real MQTT client listening on the village's alarm topic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { Broker } from "../../../gateway/broker/broker.ts";
import { AlarmChannel } from "../../../gateway/triggers/alarm-channel.ts";
import { TriggerState, type Notification } from "../../../gateway/triggers/trigger-state.ts";
import { villageNotificationsTopic, villageTopics } from "../../../protocol/topics.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { testLog } from "../../helpers/test-log.ts";
import { waitFor } from "../../helpers/wait-for.ts";

describe("the alarm channel's outbox", () => {
  const dir = tempDir("cs-alarms-");
  const broker = new Broker({ host: "127.0.0.1", port: 0, log: testLog });
  let listener: mqtt.MqttClient;
  const heard: Notification[] = [];
  beforeAll(async () => {
    await broker.start();
    listener = await mqtt.connectAsync(broker.url, { clientId: "siren-controller" });
    listener.on("message", (_t, payload) => heard.push(villageTopics.notifications.parse(JSON.parse(payload.toString()))) /* as the protocol has it */);
    await listener.subscribeAsync(villageNotificationsTopic("riverside"), { qos: 1 });
  });
  afterAll(async () => {
    await listener?.endAsync();
    await broker.stop();
    dir.remove();
  });

  it("publishes after a restart the clear that was committed just before the crash, and never twice", async () => {
    // The gateway that died: it recorded the raise and published it, then recorded the clear and
    // the withdrawal of the aid request, durably, and was killed before publishing them.
    const before = new TriggerState(dir.path);
    before.open();
    const channel = (state: TriggerState) => new AlarmChannel({ village: "riverside", state, broker, log: testLog });
    before.notify({ at: "2026-12-05T10:00:00.000Z", kind: "alert-raised", ref: "water-low-1", text: "Emergency: water low" });
    await before.durable();
    await channel(before).drain();
    before.transaction(() => {
      before.notify({ at: "2026-12-05T16:00:00.000Z", kind: "alert-cleared", ref: "water-low-1", text: "cleared: water low" });
      before.notify({ at: "2026-12-05T16:00:00.000Z", kind: "aid-withdrawn", ref: "aid-water-1", text: "withdrawn: water 40000 L" });
    });
    await before.durable();
    before.close(); // the crash: nothing of it was published
    await waitFor("the raise heard", () => heard.length === 1);

    const after = new TriggerState(dir.path);
    after.open();
    await channel(after).drain();
    await waitFor("the clear and the withdrawal heard", () => heard.length === 3);
    expect(heard.map((n) => [n.kind, n.ref])).toEqual([["alert-raised", "water-low-1"], ["alert-cleared", "water-low-1"], ["aid-withdrawn", "aid-water-1"]]);
    expect(new Set(heard.map((n) => n.id)).size).toBe(3);
    after.close();

    // Another restart: everything was published already.
    const again = new TriggerState(dir.path);
    again.open();
    await channel(again).drain();
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toHaveLength(3);
    again.close();
  });

  it("keeps what the broker did not take for the next drain", async () => {
    const state = new TriggerState(dir.path);
    state.open();
    state.notify({ at: "2026-12-05T17:00:00.000Z", kind: "alert-raised", ref: "power-low-1", text: "Warning: battery low" });
    const refusing = { publish: (_t: string, _p: string, _o: { qos: 1 }, done: (err?: Error) => void) => done(new Error("broker is not running")) };
    await new AlarmChannel({ village: "riverside", state, broker: refusing, log: testLog }).drain();
    expect(state.unpublishedNotifications().map((n) => n.ref)).toEqual(["power-low-1"]);
    const heardBefore = heard.length;
    await new AlarmChannel({ village: "riverside", state, broker, log: testLog }).drain();
    await waitFor("the kept alert heard", () => heard.length === heardBefore + 1);
    expect(heard.at(-1)).toMatchObject({ kind: "alert-raised", ref: "power-low-1" });
    state.close();
  });
});
