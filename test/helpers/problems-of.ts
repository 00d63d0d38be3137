// Runs a loader that must refuse its input and returns the problems its error lists, after checking
// the error code: the multi-problem errors of boards, village files, rules and drill scenarios.
import { expect } from "vitest";
import { isCsError, type CsError, type ErrorCode } from "../../protocol/errors.ts";

export function problemsOf(code: ErrorCode, fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(isCsError(err, code), String(err)).toBe(true);
    return (err as CsError).details.problems as string[];
  }
  throw new Error(`expected a rejection with ${code}`);
}
