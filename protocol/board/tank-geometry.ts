// Tank geometry: turns a measured liquid height into litres. Vertical cylinders and boxes are
// linear; a horizontal cylinder follows the circular segment area A = r^2 acos((r-h)/r) -
// (r-h) sqrt(2rh - h^2); anything else (a tapered or partly buried tank) is described by a
// strapping table measured once with a bucket or a meter, interpolated linearly.
export type TankGeometry =
  | { shape: "vertical-cylinder"; diameterM: number; heightM: number }
  | { shape: "horizontal-cylinder"; diameterM: number; lengthM: number }
  | { shape: "box"; lengthM: number; widthM: number; heightM: number }
  | { shape: "strapping-table"; points: Array<[heightM: number, litres: number]> };

export function tankHeightM(g: TankGeometry): number {
  switch (g.shape) {
    case "vertical-cylinder":
    case "box":
      return g.heightM;
    case "horizontal-cylinder":
      return g.diameterM;
    case "strapping-table":
      return g.points[g.points.length - 1][0];
  }
}

export function tankCapacityLitres(g: TankGeometry): number {
  return litresAt(g, tankHeightM(g));
}

/** Litres at a liquid height in metres (clamped to the tank: a sensor's noise is not more water). */
export function litresAt(g: TankGeometry, heightM: number): number {
  const h = Math.max(0, Math.min(heightM, tankHeightM(g)));
  switch (g.shape) {
    case "vertical-cylinder":
      return Math.PI * (g.diameterM / 2) ** 2 * h * 1000;
    case "box":
      return g.lengthM * g.widthM * h * 1000;
    case "horizontal-cylinder": {
      const r = g.diameterM / 2;
      const area = r * r * Math.acos((r - h) / r) - (r - h) * Math.sqrt(Math.max(0, 2 * r * h - h * h));
      return area * g.lengthM * 1000;
    }
    case "strapping-table": {
      const pts = g.points;
      if (h <= pts[0][0]) return pts[0][1];
      for (let i = 1; i < pts.length; i++) {
        const [h1, l1] = pts[i];
        if (h <= h1) {
          const [h0, l0] = pts[i - 1];
          return l0 + ((h - h0) / (h1 - h0)) * (l1 - l0);
        }
      }
      return pts[pts.length - 1][1];
    }
  }
}

/** Problems with a geometry, for board validation: a strapping table must rise. */
export function geometryProblems(g: TankGeometry): string[] {
  if (g.shape !== "strapping-table") return [];
  const problems: string[] = [];
  for (let i = 1; i < g.points.length; i++) {
    if (!(g.points[i][0] > g.points[i - 1][0])) problems.push(`points[${i}]: heights must rise (${g.points[i][0]} after ${g.points[i - 1][0]})`);
    if (g.points[i][1] < g.points[i - 1][1]) problems.push(`points[${i}]: litres must not fall (${g.points[i][1]} after ${g.points[i - 1][1]})`);
  }
  return problems;
}
