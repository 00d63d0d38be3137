// The topic ACL as a table: for each role, topics it may and may not publish, filters it may and may
// not subscribe to. The broker matrix in access.test.ts checks the broker refuses what the ACL
// refuses; this checks what the ACL says.
import { describe, expect, it } from "vitest";
import { canPublish, canSubscribe } from "../../../gateway/security/acl.ts";
import type { Identity } from "../../../gateway/security/identities.ts";

const as = (name: string, role: Identity["role"]): Identity => ({ name, role, secretHash: "", createdAt: "" });
const device = as("water-main", "device");
const observer = as("dashboard", "observer");
const village = as("riverbend", "village");

describe("topic ACL", () => {
  it("a device publishes only its own readings, status and command replies, and reads only its commands and acks", () => {
    expect(["cs/v1/dev/water-main/readings", "cs/v1/dev/water-main/status", "cs/v1/dev/water-main/command-replies"].every((t) => canPublish(device, t))).toBe(true);
    for (const t of ["cs/v1/dev/power-main/readings", "cs/v1/dev/water-main/commands", "cs/v1/dev/water-main/ack", "cs/v1/village/riverbend/notifications", "cs/v1/fed/riverbend/summary", "cs/v1/dev/water-main/readings/x", "cs/v1/dev/+/readings"]) {
      expect(canPublish(device, t), t).toBe(false);
    }
    expect(canSubscribe(device, "cs/v1/dev/water-main/commands") && canSubscribe(device, "cs/v1/dev/water-main/ack")).toBe(true);
    for (const f of ["cs/v1/dev/power-main/commands", "cs/v1/dev/+/commands", "cs/v1/dev/water-main/#", "cs/v1/dev/water-main/readings", "homeassistant/#", "#"]) {
      expect(canSubscribe(device, f), f).toBe(false);
    }
  });

  it("an observer reads readings, status, notifications, sensor states and HA discovery, and publishes nothing", () => {
    for (const f of ["cs/v1/dev/+/readings", "cs/v1/dev/water-main/status", "cs/v1/village/riverbend/notifications", "cs/v1/village/riverbend/state/#", "cs/v1/village/riverbend/state/tank-north-level", "homeassistant/#", "homeassistant/sensor/#"]) {
      expect(canSubscribe(observer, f), f).toBe(true);
    }
    for (const f of ["cs/v1/dev/+/commands", "cs/v1/dev/water-main/ack", "cs/v1/dev/+/+", "cs/#", "cs/v1/fed/riverbend/proposals", "$SYS/#", "#", "+/+", "homeassistant/switch/#", "cs/v1/dev/+/readings/x", "cs/v1/village/riverbend/state/a/b", "cs/v1/village/+/notifications"]) {
      expect(canSubscribe(observer, f), f).toBe(false);
    }
    for (const t of ["cs/v1/dev/water-main/readings", "cs/v1/village/riverbend/state/tank-north-level", "homeassistant/sensor/cs_riverbend/x/config"]) {
      expect(canPublish(observer, t), t).toBe(false);
    }
  });

  it("a village at the hub speaks for itself only, and reads its proposals, what the hub sent outside, and every village's requests", () => {
    for (const t of ["cs/v1/fed/riverbend/summary", "cs/v1/fed/riverbend/aid-requests", "cs/v1/fed/riverbend/proposal-replies"]) expect(canPublish(village, t), t).toBe(true);
    for (const t of ["cs/v1/fed/hillside/summary", "cs/v1/fed/riverbend/proposals", "cs/v1/fed/riverbend/escalations", "cs/v1/dev/water-main/readings"]) expect(canPublish(village, t), t).toBe(false);
    for (const f of ["cs/v1/fed/riverbend/proposals", "cs/v1/fed/riverbend/escalations", "cs/v1/fed/+/aid-requests", "cs/v1/fed/hillside/aid-requests"]) expect(canSubscribe(village, f), f).toBe(true);
    for (const f of ["cs/v1/fed/hillside/proposals", "cs/v1/fed/+/proposals", "cs/v1/fed/+/escalations", "cs/v1/fed/#", "cs/v1/fed/+/summary", "cs/v1/fed/hillside/aid-requests/x"]) expect(canSubscribe(village, f), f).toBe(false);
  });
});
