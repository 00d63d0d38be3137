// Named figures: what reserves publish and what trigger rules are written over.
export interface Figure {
  value: number | null;
  unit: string;
  /** True when a sensor behind the figure is stale or invalid, or history is too short. */
  uncertain: boolean;
  /** Why it is uncertain, naming the sensor to check. */
  reasons?: string[];
}

export type Figures = Record<string, Figure>;

export function figure(value: number | null, unit: string, reasons: string[] = []): Figure {
  return reasons.length ? { value, unit, uncertain: true, reasons } : { value, unit, uncertain: false };
}
