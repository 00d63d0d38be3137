// The README is a front door (issue #26): short, and every link in it and in docs/ leads somewhere,
// down to the heading an anchor names (GitHub's slugs: lower case, punctuation dropped, spaces as
// hyphens).
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const documents = ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];

function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));
}

/** Relative links of a markdown file: [text](target) and ![alt](target), outside code blocks. */
function linksOf(file: string): string[] {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
}

describe("the documentation", () => {
  it("keeps the README under 10 KB", () => {
    expect(statSync("README.md").size).toBeLessThan(10 * 1024);
  });

  it("names headings the way the anchors expect", () => {
    expect(slug("Device identities and the broker's ACL")).toBe("device-identities-and-the-brokers-acl");
    expect(slug("Dashboards and flows (Node-RED)")).toBe("dashboards-and-flows-node-red");
  });

  it.each(documents)("%s: every relative link leads to a file, and every anchor to a heading in it", (file) => {
    const broken: string[] = [];
    for (const link of linksOf(file)) {
      const [path, anchor] = link.split("#");
      const target = path ? normalize(join(dirname(file), decodeURIComponent(path))) : file;
      if (!existsSync(target)) broken.push(`${link}: no file ${target}`);
      else if (anchor && target.endsWith(".md") && !anchorsOf(target).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${target}`);
    }
    expect(broken).toEqual([]);
  });

  it("links every page of docs/ from the README", () => {
    const linked = new Set(linksOf("README.md").map((l) => normalize(l.split("#")[0])));
    const pages = documents.filter((d) => d !== "README.md");
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});
