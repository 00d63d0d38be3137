import { describe, expect, it } from "vitest";
import { drivers } from "../../../edge/drivers/all-drivers.ts";
import { driverNames } from "../../../protocol/board/schema.ts";

describe("the driver table", () => {
  it("has a driver for every driver name the board file's schema accepts, and no other", () => {
    expect(Object.keys(drivers).sort()).toEqual([...driverNames].sort());
    expect(driverNames).toContain("ina226"); // named by a schema shared with the INA219
  });
});
