// A digital input: float switch, pump-running contact. Active-low inputs are wired to ground with
// the pull-up enabled, so a closed contact reads LOW.
export function digitalLevel(raw: number, activeLow: boolean): 0 | 1 {
  const high = raw ? 1 : 0;
  return (activeLow ? 1 - high : high) as 0 | 1;
}
