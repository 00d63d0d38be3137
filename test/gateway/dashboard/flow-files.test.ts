// Broken flow files stop the gateway at start with every problem named by file, before Node-RED
// runs anything.
import { describe, expect, it } from "vitest";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadFlowFiles, unknownTypes } from "../../../gateway/dashboard/flow-files.ts";
import { startTestGateway } from "../../helpers/test-gateway.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { problemsOf } from "../../helpers/problems-of.ts";

describe("flow files", () => {
  it("names bad JSON, a non-array, nodes without id, duplicate ids and dangling wires, each with its file", () => {
    const dir = tempDir();
    copyFileSync("flows/shared.json", join(dir.path, "shared.json"));
    writeFileSync(join(dir.path, "broken.json"), '[{"id": "a", "type": "tab"},');
    writeFileSync(join(dir.path, "object.json"), '{"id": "x"}');
    writeFileSync(join(dir.path, "water.json"), JSON.stringify([
      { id: "tab-w", type: "tab" },
      { type: "cs-reading", z: "tab-w" },
      { id: "village-gateway", type: "cs-gateway" },
      { id: "r", type: "cs-reading", z: "tab-w", wires: [["nowhere"]] },
      { id: "s", type: "cs-reading", z: "tab-gone", wires: [] },
    ]));
    const problems = problemsOf("CS_ERR_FLOWS_INVALID", () => loadFlowFiles(dir.path));
    const at = (f: string) => join(dir.path, f);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${at("broken.json")}: not valid JSON: `)),
      `${at("object.json")}: a flow file is a JSON array of nodes (Node-RED's export format)`,
      `${at("water.json")}: [1]: a node needs a string id and type`,
      `${at("water.json")}: [2].id: "village-gateway" is already used in ${at("shared.json")}`,
      `${at("water.json")}: [3].wires: node "r" is wired to "nowhere", which no flow file defines`,
      `${at("water.json")}: [4].z: node "s" sits on tab "tab-gone", which no flow file defines`,
    ]);
    dir.remove();
  });

  it("names nodes of a type no installed package provides", () => {
    const files = [{ file: "flows/x.json", nodes: [{ id: "t", type: "tab" }, { id: "w", type: "ui-gauge" }, { id: "m", type: "ui-gauge-3d" }], positions: [0, 1, 2] }];
    expect(unknownTypes(files, new Set(["ui-gauge"]))).toEqual(['flows/x.json: [2].type: no installed node is of type "ui-gauge-3d" (node "m")']);
  });

  it("a gateway with a broken flow file does not start, and says which file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir.path, "pantry.json"), "[ not json");
    const started = startTestGateway({ nodeRed: { enabled: true, flowsDir: dir.path } });
    await expect(started).rejects.toMatchObject({ code: "CS_ERR_FLOWS_INVALID" });
    await expect(started).rejects.toThrow(`${join(dir.path, "pantry.json")}: not valid JSON`);
    dir.remove();
  });
});
