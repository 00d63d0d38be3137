// Units that a reading may carry. A reading with any other unit is rejected at the gateway.
export const units = [
  "L", // litres of stored water
  "L/min", // flow
  "V",
  "A",
  "W",
  "Wh",
  "%", // state of charge, soil moisture
  "%RH",
  "kg",
  "°C",
  "hPa",
  "lx",
  "min", // a battery monitor's time to go: no longer read (protocol/board/schema.ts), kept for readings stored before
  "bool", // 0 or 1: float switches, pump running feedback
  "days", // the gateway's own days-left figures, kept as history
] as const;

export type Unit = (typeof units)[number];

/** "village": figures the gateway computes for the whole village (days left per domain). */
export const domains = ["water", "power", "pantry", "greenhouse", "village"] as const;
export type Domain = (typeof domains)[number];
