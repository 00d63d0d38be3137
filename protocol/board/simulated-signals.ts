// The signals the physical model of the reference village offers to simulated boards.
export const simulatedSignalList = [
  "water.tankNorth.litres",
  "water.tankSouth.litres",
  "water.cistern.litres",
  "water.main.flowLpm",
  "water.pump.running",
  "power.battery.volts",
  "power.battery.amps",
  "power.solar.watts",
  "pantry.grain.kg",
  "pantry.legumes.kg",
  "pantry.oil.kg",
  "pantry.coldStore.celsius",
  "greenhouse.air.celsius",
  "greenhouse.air.rh",
  "greenhouse.light.lux",
  "greenhouse.bed1.moisturePct",
  "greenhouse.bed2.moisturePct",
  "greenhouse.bed3.moisturePct",
  "greenhouse.bed4.moisturePct",
] as const;

export type SimulatedSignal = (typeof simulatedSignalList)[number];
export const simulatedSignals: ReadonlySet<string> = new Set(simulatedSignalList);
