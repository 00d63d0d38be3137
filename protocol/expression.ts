// Shared by the gateway's trigger matrix and the edge's local safety loops.
// The small language of trigger conditions and quantity formulas:
//   water.daysLeft < 3        7 * water.dailyNeedLitres - water.stockLitres        max(0, 25 - power.socPct)
//   ifMissing(food.kcal, 0)   (the first value, or the second where the first is missing)
// Figure names may contain dashes (sensor ids), so subtraction needs spaces around the minus.
export type Node =
  | { kind: "num"; value: number }
  | { kind: "name"; name: string }
  | { kind: "neg"; arg: Node }
  | { kind: "bin"; op: "+" | "-" | "*" | "/"; left: Node; right: Node }
  | { kind: "call"; fn: "min" | "max" | "ifMissing"; args: Node[] };

export type Comparison = { op: "<" | "<=" | ">" | ">=" | "==" | "!="; left: Node; right: Node };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|([a-zA-Z][a-zA-Z0-9_.]*(?:-[a-zA-Z0-9_.]+)*)|(<=|>=|==|!=|[-+*/(),<>]))/y;

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new SyntaxError(`unexpected "${src.slice(pos).trim().slice(0, 10)}" at column ${pos + 1}`);
    tokens.push(m[1] ?? m[2] ?? m[3]);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: string[]) {}

  private peek(): string | undefined {
    return this.tokens[this.i];
  }
  private next(): string {
    const t = this.tokens[this.i++];
    if (t === undefined) throw new SyntaxError("unexpected end of expression");
    return t;
  }
  private expect(t: string): void {
    const got = this.next();
    if (got !== t) throw new SyntaxError(`expected "${t}", found "${got}"`);
  }
  done(): void {
    if (this.i < this.tokens.length) throw new SyntaxError(`unexpected "${this.tokens[this.i]}"`);
  }

  comparison(): Comparison {
    const left = this.sum();
    const op = this.next();
    if (!["<", "<=", ">", ">=", "==", "!="].includes(op)) throw new SyntaxError(`expected a comparison such as <, found "${op}"`);
    return { op: op as Comparison["op"], left, right: this.sum() };
  }

  sum(): Node {
    let left = this.product();
    while (this.peek() === "+" || this.peek() === "-") {
      const op = this.next() as "+" | "-";
      left = { kind: "bin", op, left, right: this.product() };
    }
    return left;
  }

  private product(): Node {
    let left = this.unary();
    while (this.peek() === "*" || this.peek() === "/") {
      const op = this.next() as "*" | "/";
      left = { kind: "bin", op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.peek() === "-") {
      this.next();
      return { kind: "neg", arg: this.unary() };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    if (t === "(") {
      const inner = this.sum();
      this.expect(")");
      return inner;
    }
    if (/^\d/.test(t)) return { kind: "num", value: Number(t) };
    if (/^[a-zA-Z]/.test(t)) {
      if (this.peek() === "(") {
        if (t !== "min" && t !== "max" && t !== "ifMissing") throw new SyntaxError(`unknown function "${t}" (known: min, max, ifMissing)`);
        this.next();
        const args = [this.sum()];
        while (this.peek() === ",") {
          this.next();
          args.push(this.sum());
        }
        this.expect(")");
        if (t === "ifMissing" && args.length !== 2) throw new SyntaxError(`ifMissing takes two arguments (a value and what stands in while it is missing), found ${args.length}`);
        return { kind: "call", fn: t, args };
      }
      return { kind: "name", name: t };
    }
    throw new SyntaxError(`unexpected "${t}"`);
  }
}

export function parseExpression(src: string): Node {
  const p = new Parser(tokenize(src));
  const node = p.sum();
  p.done();
  return node;
}

export function parseComparison(src: string): Comparison {
  const p = new Parser(tokenize(src));
  const c = p.comparison();
  p.done();
  return c;
}

export function namesIn(node: Node | Comparison): string[] {
  if ("op" in node && !("kind" in node)) return [...namesIn(node.left), ...namesIn(node.right)];
  const n = node as Node;
  switch (n.kind) {
    case "num": return [];
    case "name": return [n.name];
    case "neg": return namesIn(n.arg);
    case "bin": return [...namesIn(n.left), ...namesIn(n.right)];
    case "call": return n.args.flatMap(namesIn);
  }
}

/** null when a figure it needs has no value. */
export function evaluate(node: Node, lookup: (name: string) => number | null): number | null {
  switch (node.kind) {
    case "num": return node.value;
    case "name": return lookup(node.name);
    case "neg": {
      const v = evaluate(node.arg, lookup);
      return v === null ? null : -v;
    }
    case "bin": {
      const a = evaluate(node.left, lookup);
      const b = evaluate(node.right, lookup);
      if (a === null || b === null) return null;
      if (node.op === "+") return a + b;
      if (node.op === "-") return a - b;
      if (node.op === "*") return a * b;
      return b === 0 ? null : a / b;
    }
    case "call": {
      if (node.fn === "ifMissing") return evaluate(node.args[0], lookup) ?? evaluate(node.args[1], lookup);
      const vs = node.args.map((a) => evaluate(a, lookup));
      if (vs.some((v) => v === null)) return null;
      return node.fn === "min" ? Math.min(...(vs as number[])) : Math.max(...(vs as number[]));
    }
  }
}

/** Unknown (a figure without value) is not true: a rule never fires or clears on missing data. */
export function test(c: Comparison, lookup: (name: string) => number | null): boolean | null {
  const a = evaluate(c.left, lookup);
  const b = evaluate(c.right, lookup);
  if (a === null || b === null) return null;
  switch (c.op) {
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    case ">=": return a >= b;
    case "==": return a === b;
    case "!=": return a !== b;
  }
}

export function parseDurationMs(src: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/.exec(src.trim());
  if (!m) throw new SyntaxError(`"${src}" is not a duration such as 90s, 15m, 2h or 1d`);
  const unit = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms"];
  return Number(m[1]) * unit;
}
