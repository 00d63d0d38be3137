// Raw readings for calibration, straight from the board: ADC counts of an analog pin through
// johnny-five, or the NAU7802's 24-bit result over I2C, averaged over a few seconds so that one
// noisy report does not end up in the board file.
import five from "johnny-five";
import type { CalibratableSensor } from "./steps.ts";
import { nau7802 } from "../drivers/nau7802.ts";
import { s24be } from "../drivers/bytes.ts";
import { hasI2c } from "../io/io-plugin.ts";

export function rawReader(board: five.Board, io: object, sensor: CalibratableSensor, samples: number, intervalMs = 100): () => Promise<number> {
  const average = async (take: () => Promise<number | null>) => {
    const values: number[] = [];
    for (let tries = 0; values.length < samples && tries < samples * 5; tries++) {
      await new Promise((r) => setTimeout(r, intervalMs));
      const v = await take();
      if (v !== null) values.push(v);
    }
    if (values.length < samples) throw new Error(`${sensor.id}: the board gave ${values.length} of ${samples} readings: check the wiring`);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  if (sensor.driver === "nau7802") {
    if (!hasI2c(io)) throw new Error(`${sensor.id}: this board's IO plugin has no I2C`);
    const plan = nau7802(sensor.calibration);
    io.i2cConfig({ delay: 0 });
    for (const w of plan.setup) io.i2cWrite(sensor.address, [w.register, ...w.bytes]);
    const adc = plan.sample.find((r) => r.bytes === 3)!; // ADCO_B2..B0 (the sample also reads PU_CTRL)
    const once = () =>
      new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 500);
        io.i2cReadOnce(sensor.address, adc.register, adc.bytes, (bytes) => {
          clearTimeout(timer);
          resolve(s24be(bytes));
        });
      });
    return () => average(once);
  }
  const component = new five.Sensor({ pin: sensor.pin, board, freq: intervalMs });
  return () => average(async () => {
    // @types/johnny-five lacks `raw`; it is null until the first report arrives.
    const raw = (component as unknown as { raw: number | null }).raw;
    return typeof raw === "number" ? raw : null;
  });
}
