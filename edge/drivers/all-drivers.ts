// Every driver a board file may name, each defined in its own file. Typed against the board file's
// schema: a driver the schema accepts and this table lacks (or the reverse) does not compile, nor
// does a driver of sensors on a serial port that does not say how its instrument is opened and read.
import type { Driver, DriverName } from "../sensors/channel.ts";
import type { InstrumentDriver, PortDriverName } from "../instruments/instrument-channel.ts";
import { analogLinearDriver } from "./analog-linear.ts";
import { digitalInputDriver } from "./digital-input.ts";
import { coulombSocDriver } from "./coulomb-soc.ts";
import { soilMoistureDriver } from "./soil-moisture.ts";
import { ultrasonicLevelDriver } from "./ultrasonic-level.ts";
import { pulseFlowDriver } from "./pulse-flow.ts";
import { ds18b20Driver } from "./ds18b20.ts";
import { ds18b20W1Driver } from "./ds18b20-w1.ts";
import { ads1115CurrentLoopDriver } from "./ads1115-current-loop.ts";
import { ina219Driver } from "./ina219.ts";
import { ina226Driver } from "./ina226.ts";
import { nau7802Driver } from "./nau7802.ts";
import { bme280Driver } from "./bme280.ts";
import { bh1750Driver } from "./bh1750.ts";
import { vedirectDriver } from "./vedirect.ts";
import { sdm120Driver } from "./sdm120.ts";
import { serialScaleDriver } from "./serial-scale.ts";

export const drivers: { readonly [D in DriverName]: D extends PortDriverName ? InstrumentDriver<D> : Driver<D> } = {
  "analog-linear": analogLinearDriver,
  "digital-input": digitalInputDriver,
  "coulomb-soc": coulombSocDriver,
  "soil-moisture": soilMoistureDriver,
  "ultrasonic-level": ultrasonicLevelDriver,
  "pulse-flow": pulseFlowDriver,
  ds18b20: ds18b20Driver,
  "ds18b20-w1": ds18b20W1Driver,
  "ads1115-current-loop": ads1115CurrentLoopDriver,
  ina219: ina219Driver,
  ina226: ina226Driver,
  nau7802: nau7802Driver,
  bme280: bme280Driver,
  bh1750: bh1750Driver,
  vedirect: vedirectDriver,
  sdm120: sdm120Driver,
  "serial-scale": serialScaleDriver,
};
