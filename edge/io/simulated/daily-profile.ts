// Shapes of a village day, as functions of the local hour (0..24).
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function hourOfDay(simMs: number): number {
  return ((simMs % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS;
}

export function dayIndex(simMs: number): number {
  return Math.floor(simMs / DAY_MS);
}

/** 0 at night, 1 at solar noon (12:00), a half sine from 06:00 to 18:00. */
export function sunFactor(hour: number): number {
  return hour <= 6 || hour >= 18 ? 0 : Math.sin((Math.PI * (hour - 6)) / 12);
}

/** 1 while a communal meal is prepared (three a day), else 0. */
export function mealFactor(hour: number): number {
  const meals = [7, 12, 18.5];
  return meals.some((m) => hour >= m - 0.5 && hour < m + 0.5) ? 1 : 0;
}

/** Relative water demand: morning and evening washing peaks, meals; averages to about 1. */
export function waterDemandFactor(hour: number): number {
  const bump = (center: number, width: number) => Math.exp(-((hour - center) ** 2) / (2 * width ** 2));
  return 0.35 + 1.6 * bump(7, 1.2) + 1.0 * bump(12.5, 1) + 1.8 * bump(19, 1.5);
}

/** Deterministic day-to-day weather: cloud cover 0..0.7 from the day number. */
export function cloudCover(day: number): number {
  const x = Math.sin(day * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 0.7;
}
