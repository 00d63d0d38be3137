// A serial platform scale in continuous-output mode. Most indicators (A&D, Ohaus, and the many
// Chinese XK3190 clones) print lines such as "ST,GS,+0012.345kg" or "US,NT,-   0.50 kg":
// ST stable / US unstable / OL overload, GS gross / NT net, then a signed weight and its unit.
import { instrumentDriver } from "../instruments/instrument-channel.ts";

export interface ScaleLine {
  stable: boolean;
  kg: number;
}

const LINE = /^(ST|US|OL)\s*,\s*(GS|NT|TR)\s*,\s*([+-]?)\s*([0-9]+(?:\.[0-9]+)?)\s*(kg|g|lb)\s*$/i;

export function parseScaleLine(line: string): ScaleLine {
  const m = LINE.exec(line.trim());
  if (!m) throw new Error(`scale line not understood: "${line.trim().slice(0, 40)}": check the indicator's output format (continuous, ST/GS) and baud rate`);
  if (m[1].toUpperCase() === "OL") throw new Error("scale reports overload: the bin is heavier than the platform's capacity");
  const n = Number(m[4]) * (m[3] === "-" ? -1 : 1);
  const unit = m[5].toLowerCase();
  const kg = unit === "g" ? n / 1000 : unit === "lb" ? n * 0.45359237 : n;
  return { stable: m[1].toUpperCase() === "ST", kg };
}

export const serialScaleDriver = instrumentDriver("serial-scale", {
  async open(port, [first], o) {
    const { SerialScalePort } = await import("../instruments/serial-scale-port.ts");
    return new SerialScalePort({ path: port, baudRate: first.baudRate, log: o.log, reopenMs: o.reopenMs });
  },
  read: (scale, sensor) => scale.read() - sensor.tareKg,
});
