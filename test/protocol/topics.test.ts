// The one topic map: every topic is built and parsed in protocol/topics.ts, and a topic that is not
// exactly one of the map's kinds parses as nothing (ingest, the command service and the hub ignore it).
import { describe, expect, it } from "vitest";
import { deviceTopic, deviceTopics, fedTopic, fedTopics, filterSegments, isGatewayOnlyTopic, parseDeviceTopic, parseFedTopic, villageNotificationsTopic, villageStateTopic } from "../../protocol/topics.ts";

describe("topic map", () => {
  it("builds and parses back every device and federation kind", () => {
    for (const kind of Object.keys(deviceTopics) as Array<keyof typeof deviceTopics>) {
      expect(parseDeviceTopic(deviceTopic(kind, "water-main"))).toEqual({ device: "water-main", kind });
    }
    for (const kind of Object.keys(fedTopics) as Array<keyof typeof fedTopics>) {
      expect(parseFedTopic(fedTopic("riverbend", kind))).toEqual({ village: "riverbend", kind });
    }
    expect(deviceTopic("commands", "water-main")).toBe("cs/v1/dev/water-main/commands");
    expect(fedTopic("riverbend", "aid-requests")).toBe("cs/v1/fed/riverbend/aid-requests");
    expect(villageNotificationsTopic("riverbend")).toBe("cs/v1/village/riverbend/notifications");
    expect(villageStateTopic("riverbend", "tank-north-level")).toBe("cs/v1/village/riverbend/state/tank-north-level");
  });

  it("parses nothing that is not exactly a kind of the map", () => {
    for (const topic of ["cs/v1/dev/water-main/readings/x", "cs/v1/dev//readings", "cs/v1/dev/water-main/toString", "cs/v2/dev/water-main/readings", "cs/v1/dev/water-main", "cs/v1/fed/riverbend/readings"]) {
      expect(parseDeviceTopic(topic), topic).toBeUndefined();
    }
    for (const topic of ["cs/v1/fed/riverbend/summary/x", "cs/v1/fed//summary", "cs/v1/fed/River/summary", "cs/v1/fed/riverbend/constructor", "cs/v1/dev/riverbend/summary"]) {
      expect(parseFedTopic(topic), topic).toBeUndefined();
    }
  });

  it("keeps commands, acknowledgements, the village tree and Home Assistant configs for the gateway", () => {
    const gatewayOnly = ["cs/v1/dev/water-main/commands", "cs/v1/dev/water-main/ack", "cs/v1/dev//commands", "cs/v1/village/riverbend/notifications", "cs/v1/village/riverbend/state/x", "homeassistant/sensor/cs_riverbend/x/config"];
    const anyDevice = ["cs/v1/dev/water-main/readings", "cs/v1/dev/water-main/status", "cs/v1/dev/water-main/command-replies", "cs/v1/fed/riverbend/summary"];
    for (const topic of gatewayOnly) expect(isGatewayOnlyTopic(topic), topic).toBe(true);
    for (const topic of anyDevice) expect(isGatewayOnlyTopic(topic), topic).toBe(false);
  });

  it("splits a filter under one part of the tree only", () => {
    expect(filterSegments("cs/v1/dev/+/readings", "dev")).toEqual(["+", "readings"]);
    expect(filterSegments("cs/v1/dev/+/readings", "fed")).toEqual([]);
    expect(filterSegments("cs/v1/village/riverbend/state/#", "village")).toEqual(["riverbend", "state", "#"]);
  });
});
