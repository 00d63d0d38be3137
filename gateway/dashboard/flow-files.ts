// The flow files in flows/: one per audience (water and power, pantry, greenhouse, aid, village)
// plus shared.json with the dashboard's base, theme and gateway config nodes. They are checked
// before Node-RED sees them and merged into the one flow file Node-RED runs; every problem names
// its file.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { invalidFiles } from "../../protocol/errors.ts";

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

export interface FlowFile {
  file: string;
  nodes: FlowNode[];
  /** Each node's index in the file, for messages (invalid entries are left out of nodes). */
  positions: number[];
}

export function loadFlowFiles(dir: string): FlowFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  } catch (err) {
    throw invalidFiles("CS_ERR_FLOWS_INVALID", [`${dir}: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  const files: FlowFile[] = [];
  const owner = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      problems.push(`${file}: not valid JSON: ${(err as Error).message}`);
      continue;
    }
    if (!Array.isArray(json)) {
      problems.push(`${file}: a flow file is a JSON array of nodes (Node-RED's export format)`);
      continue;
    }
    const nodes: FlowNode[] = [];
    const positions: number[] = [];
    json.forEach((n: unknown, i) => {
      const node = n as Partial<FlowNode> | null;
      if (!node || typeof node !== "object" || typeof node.id !== "string" || typeof node.type !== "string") {
        problems.push(`${file}: [${i}]: a node needs a string id and type`);
        return;
      }
      const first = owner.get(node.id);
      if (first) problems.push(`${file}: [${i}].id: "${node.id}" is already used in ${first}`);
      else owner.set(node.id, file);
      nodes.push(node as FlowNode);
      positions.push(i);
    });
    files.push({ file, nodes, positions });
  }
  for (const { file, nodes, positions } of files) {
    nodes.forEach((n, k) => {
      const i = positions[k];
      if (n.z && !owner.has(n.z)) problems.push(`${file}: [${i}].z: node "${n.id}" sits on tab "${n.z}", which no flow file defines`);
      const wires = Array.isArray(n.wires) ? (n.wires as unknown[]).flat() : [];
      for (const target of wires) {
        if (typeof target === "string" && !owner.has(target)) problems.push(`${file}: [${i}].wires: node "${n.id}" is wired to "${target}", which no flow file defines`);
      }
    });
  }
  if (problems.length) throw invalidFiles("CS_ERR_FLOWS_INVALID", problems);
  return files;
}

/** Node types every Node-RED knows without a palette package. */
const STRUCTURAL = new Set(["tab", "subflow", "group", "comment", "junction"]);

/** Nodes whose type no installed package provides: Node-RED would wait for them forever. */
export function unknownTypes(files: FlowFile[], known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { file, nodes, positions } of files) {
    nodes.forEach((n, k) => {
      const i = positions[k];
      if (!STRUCTURAL.has(n.type) && !n.type.startsWith("subflow:") && !known.has(n.type)) {
        problems.push(`${file}: [${i}].type: no installed node is of type "${n.type}" (node "${n.id}")`);
      }
    });
  }
  return problems;
}
