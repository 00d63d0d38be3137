// The node flags the edge runs with on a Pi, read from the systemd unit that deploys it
// (deploy/systemd/commons-sense-edge@.service: NODE_OPTIONS and the flags before the script), so
// the benchmarks measure the agent as deployed and cannot drift from it.
import { readFileSync } from "node:fs";

const UNIT = "deploy/systemd/commons-sense-edge@.service";

export function edgeNodeFlags(unitFile = UNIT): string[] {
  const unit = readFileSync(unitFile, "utf8");
  const options = /^Environment=NODE_OPTIONS="([^"]*)"$/m.exec(unit)?.[1];
  const execStart = /^ExecStart=\S*node((?:\s+--\S+)*)\s+dist\/edge\/main\.js/m.exec(unit);
  if (options === undefined || !execStart) throw new Error(`${unitFile}: no NODE_OPTIONS line or no ExecStart running node on dist/edge/main.js`);
  return [...options.split(/\s+/), ...execStart[1].trim().split(/\s+/)].filter(Boolean);
}
