// The trigger matrix file: schema (pass one), then expressions parsed and every figure name checked
// against the figures reserves provide (pass two). All problems reported at once as file: field.
import { z } from "zod";
import { invalidFiles } from "../../protocol/errors.ts";
import { readYamlFile } from "../../lib/yaml-file.ts";
import { describeIssues } from "../../lib/zod-issues.ts";
import { idSchema } from "../../protocol/payloads.ts";
import { quantitySchema, resourceSchema, urgencySchema } from "../../protocol/federation.ts";
import { namesIn, parseComparison, parseDurationMs, parseExpression, type Comparison, type Node } from "../../protocol/expression.ts";

const durationSchema = z.string().min(2);

const aidActionSchema = z.strictObject({
  resource: resourceSchema,
  unit: quantitySchema.shape.unit,
  /** A formula over figures: how much would bring the village back to safety. */
  quantity: z.string().min(1),
  neededWithin: durationSchema.default("3d"),
  duration: z.enum(["temporary", "permanent"]).default("temporary"),
  alternativesTried: z.array(z.string().max(200)).max(10).default([]),
  enables: z.string().max(300).default(""),
  /**
   * A new version is sent when the need moves by more than this fraction of what was last asked,
   * up or down: a delivery lowers it, and the hub counts a delivered transfer against the request
   * until a version issued after it arrives.
   */
  updateWhenChangesBy: z.number().positive().max(10).default(0.1),
  /**
   * And by at least this much (a formula over figures, e.g. a day of the village's need): a
   * residual need that drifts by a few meals does not send a version, nor a transfer, each time.
   */
  updateAtLeast: z.string().min(1).default("0"),
});

const commandActionSchema = z.strictObject({
  device: idSchema,
  output: idSchema,
  /** What the output is switched to when the rule raises (e.g. shed a load: off). */
  onRaise: z.union([z.enum(["on", "off"]), z.number().min(0).max(100)]),
  /** And when it clears (restore: on); absent: left as it is. */
  onClear: z.union([z.enum(["on", "off"]), z.number().min(0).max(100)]).optional(),
  expiresIn: durationSchema.default("10m"),
});

const ruleSchema = z.strictObject({
  id: idSchema,
  description: z.string().max(300).optional(),
  when: z.string().min(1),
  for: durationSchema.optional(),
  /** Explicit clear condition: hysteresis. Without it the rule clears when `when` is false. */
  clear: z.string().min(1).optional(),
  urgency: urgencySchema,
  /** After a clear, the rule cannot raise again for this long: flap suppression. */
  quietAfterClear: durationSchema.default("30m"),
  actions: z
    .array(
      z.union([
        z.strictObject({ alert: z.string().min(1).max(200) }),
        z.strictObject({ aid: aidActionSchema }),
        z.strictObject({ command: commandActionSchema }),
      ]),
    )
    .min(1),
});

const rulesFileSchema = z.strictObject({
  /** Rules over sensor silence do not run for this long after a restart (devices reconnect). */
  deadmanGraceAfterStart: durationSchema.default("10m"),
  rules: z.array(ruleSchema).min(1),
});

export interface AidAction {
  resource: z.infer<typeof resourceSchema>;
  unit: z.infer<typeof quantitySchema>["unit"];
  quantity: Node;
  quantitySource: string;
  neededWithinMs: number;
  duration: "temporary" | "permanent";
  alternativesTried: string[];
  enables: string;
  updateWhenChangesBy: number;
  updateAtLeast: Node;
}

export interface CommandAction {
  device: string;
  output: string;
  onRaise: "on" | "off" | number;
  onClear?: "on" | "off" | number;
  expiresInMs: number;
}

export interface Rule {
  id: string;
  description?: string;
  when: Comparison;
  whenSource: string;
  forMs: number;
  clear?: Comparison;
  clearSource?: string;
  urgency: z.infer<typeof urgencySchema>;
  quietAfterClearMs: number;
  alerts: string[];
  aid: AidAction[];
  commands: CommandAction[];
  usesDeadman: boolean;
  figures: string[];
}

export interface RuleSet {
  deadmanGraceMs: number;
  rules: Rule[];
}

export function parseRules(input: unknown, file: string, knownFigures: ReadonlySet<string>, knownOutputs: ReadonlySet<string> = new Set()): RuleSet {
  const parsed = rulesFileSchema.safeParse(input);
  const fail = (problems: string[]): never => {
    throw invalidFiles("CS_ERR_RULES_INVALID", problems.map((p) => `${file}: ${p}`));
  };
  if (!parsed.success) fail(describeIssues(parsed.error));
  const data = parsed.data!;
  const problems: string[] = [];
  const guard = <T>(field: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push(`${field}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const checkNames = (field: string, names: string[]) => {
    for (const name of names) if (!knownFigures.has(name)) problems.push(`${field}: unknown figure "${name}"`);
  };
  const seen = new Set<string>();
  const rules: Rule[] = data.rules.map((r, i) => {
    const at = `rules[${i}]`;
    if (seen.has(r.id)) problems.push(`${at}.id: "${r.id}" is used twice`);
    // The requests people make by hand carry it (engine.ts, askByHand).
    if (r.id === "by-hand") problems.push(`${at}.id: "by-hand" is kept for the requests people make by hand`);
    seen.add(r.id);
    let when = guard(`${at}.when`, () => parseComparison(r.when.replace(/\s+for\s+\S+\s*$/, "")));
    const inlineFor = /\s+for\s+(\S+)\s*$/.exec(r.when)?.[1];
    const forMs = guard(`${at}.for`, () => parseDurationMs(r.for ?? inlineFor ?? "0s")) ?? 0;
    const clear = r.clear ? guard(`${at}.clear`, () => parseComparison(r.clear!)) : undefined;
    const quietAfterClearMs = guard(`${at}.quietAfterClear`, () => parseDurationMs(r.quietAfterClear)) ?? 0;
    if (when) checkNames(`${at}.when`, namesIn(when));
    if (clear) checkNames(`${at}.clear`, namesIn(clear));
    const alerts: string[] = [];
    const aid: AidAction[] = [];
    const commands: CommandAction[] = [];
    r.actions.forEach((a, k) => {
      if ("alert" in a) alerts.push(a.alert);
      else if ("command" in a) {
        const c = a.command;
        if (!knownOutputs.has(`${c.device}/${c.output}`)) problems.push(`${at}.actions[${k}].command: no output "${c.output}" on device "${c.device}"`);
        const expiresInMs = guard(`${at}.actions[${k}].command.expiresIn`, () => parseDurationMs(c.expiresIn)) ?? 0;
        commands.push({ device: c.device, output: c.output, onRaise: c.onRaise, onClear: c.onClear, expiresInMs });
      } else {
        const quantity = guard(`${at}.actions[${k}].aid.quantity`, () => parseExpression(a.aid.quantity));
        if (quantity) checkNames(`${at}.actions[${k}].aid.quantity`, namesIn(quantity));
        const updateAtLeast = guard(`${at}.actions[${k}].aid.updateAtLeast`, () => parseExpression(a.aid.updateAtLeast));
        if (updateAtLeast) checkNames(`${at}.actions[${k}].aid.updateAtLeast`, namesIn(updateAtLeast));
        const neededWithinMs = guard(`${at}.actions[${k}].aid.neededWithin`, () => parseDurationMs(a.aid.neededWithin)) ?? 0;
        if (quantity && updateAtLeast) aid.push({ ...a.aid, quantity, quantitySource: a.aid.quantity, neededWithinMs, updateAtLeast });
      }
    });
    when ??= { op: "<", left: { kind: "num", value: 0 }, right: { kind: "num", value: 0 } };
    const figures = [...new Set([...namesIn(when), ...(clear ? namesIn(clear) : [])])];
    return {
      id: r.id,
      description: r.description,
      when,
      whenSource: r.when,
      forMs,
      clear,
      clearSource: r.clear,
      urgency: r.urgency,
      quietAfterClearMs,
      alerts,
      aid,
      commands,
      usesDeadman: figures.some((f) => f.endsWith(".silentMinutes")),
      figures,
    };
  });
  const deadmanGraceMs = guard("deadmanGraceAfterStart", () => parseDurationMs(data.deadmanGraceAfterStart)) ?? 0;
  if (problems.length) fail(problems);
  return { deadmanGraceMs, rules };
}

export function loadRulesFile(file: string, knownFigures: ReadonlySet<string>, knownOutputs: ReadonlySet<string> = new Set()): RuleSet {
  const read = readYamlFile(file);
  if (!read.ok) throw invalidFiles("CS_ERR_RULES_INVALID", read.problems);
  return parseRules(read.data, file, knownFigures, knownOutputs);
}
