// The layering rule in eslint.config.js can fail: an edge file importing the gateway (or the
// reverse, or protocol/ and lib/ importing either side) is an error naming what to do instead,
// and the imports the layering allows pass.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();
const messages = async (filePath: string, code: string) =>
  (await eslint.lintText(code, { filePath }))[0].messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);

describe("the layering lint rule", () => {
  it("refuses an import across edge, gateway and simulation, and allows protocol/ and lib/", async () => {
    expect(await messages("edge/agent-x.ts", 'import { Gateway } from "../gateway/gateway.ts";\nexport const g = Gateway;\n'))
      .toEqual(["'../gateway/gateway.ts' import is restricted from being used by a pattern. edge/ does not import gateway/: share it through protocol/ or lib/"]);
    expect(await messages("gateway/ingest/x.ts", 'import { Journal } from "../../edge/journal/journal.ts";\nexport const j = Journal;\n')).toHaveLength(1);
    expect(await messages("protocol/x.ts", 'import { drivers } from "../edge/drivers/all-drivers.ts";\nexport const d = drivers;\n')).toHaveLength(1);
    expect(await messages("lib/x.ts", 'import { startGateway } from "../simulation/main.ts";\nexport const s = startGateway;\n')).toHaveLength(1);
    expect(await messages("gateway/ingest/x.ts", 'import { units } from "../../protocol/units.ts";\nimport { VERSION } from "../../lib/command-line.ts";\nexport const u = [units, VERSION];\n')).toEqual([]);
  });
});
