// The top-level keys a JSON object's text holds more than once. JSON.parse keeps the last one
// silently, so a log line that binds a key twice (pino child loggers do not merge bindings) can
// only be seen in its text.
export function repeatedKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') {
        inString = false;
        if (depth === 1 && /^\s*:/.test(text.slice(i + 1, i + 8))) keys.push(JSON.parse(text.slice(start, i + 1)) as string);
      }
    } else if (c === '"') {
      inString = true;
      start = i;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
}
