import { positionAt } from "./source-position.js";
import type { CedarDiagnostic } from "./types.js";

/**
 * Bounds on Cedar text (policies or a schema) checked before the engine sees it.
 *
 * Why: cedar-wasm parses and evaluates recursively, on a fixed Wasm stack and on the thread's own.
 * Measured with 4.13.0 on Node 20 (in a vitest fork, the tightest place we measured; a plain `node`
 * main thread takes about three times more): evaluation fails past ~100 chained operators of any kind
 * (`+`, `.attr`, `.method()`, `if`, and `&&` / `||` too: they parse flat but evaluate recursively),
 * ~116 nested parentheses, ~77 nested records or levels of `(1 + `. Parsing traps further on ("memory
 * access out of bounds": ~130 parentheses, ~363 `+`), and a trapped instance fails every later call.
 * One number bounds all of these shapes, the depth estimate below, at about half of the engine's limit.
 */
export interface CedarTextLimits {
  /** Characters of text. */
  maxChars: number;
  /**
   * Estimated expression depth: each operator counts 1 in the chain of its precedence level (a
   * lower-precedence operator ends the chains above it: in `a.b == 1 || c == 2` the `.` and `==`
   * chains end at `||`), an opening bracket counts 2, and a bracket's content adds to the depth where
   * it opens. `,` and `;` end every chain (a set's elements are evaluated side by side).
   */
  maxDepth: number;
}

export const CEDAR_TEXT_LIMITS: Readonly<CedarTextLimits> = Object.freeze({
  maxChars: 512 * 1024,
  maxDepth: 50,
});

const BRACKET_COST = 2;
const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);
// Cedar's precedence levels, lowest first: `if` (never ends: its branches nest), ||, &&, relations,
// + and -, *, unary, member access.
const LEVELS = 8;
const WORD_LEVEL: Record<string, number> = { if: 0, in: 3, has: 3, like: 3, is: 3 };
const TWO_CHAR_LEVEL: Record<string, number> = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<=": 3, ">=": 3 };
const ONE_CHAR_LEVEL: Record<string, number> = { "<": 3, ">": 3, "+": 4, "-": 4, "*": 5, "!": 6, ".": 7 };

/**
 * The first bound `text` breaks, as a diagnostic placed where it breaks it, or null. Linear in the
 * length of the text; strings and `//` comments are skipped, so their content never counts.
 */
export function checkCedarText(
  text: string,
  limits: CedarTextLimits = CEDAR_TEXT_LIMITS,
): CedarDiagnostic | null {
  if (text.length > limits.maxChars) {
    return {
      severity: "error",
      message: `the text has ${text.length} characters; the limit is ${limits.maxChars}`,
      line: 1,
      column: 1,
    };
  }
  // One frame per open bracket: the depth where it opened and the chain lengths per level in it.
  const frames: { base: number; chains: number[] }[] = [{ base: 0, chains: new Array(LEVELS).fill(0) }];
  const tooDeep = (at: number, depth: number): CedarDiagnostic => ({
    severity: "error",
    message:
      `the expression nests too deeply here (estimated depth ${depth}, limit ${limits.maxDepth}): ` +
      "split it into shorter expressions or separate policies, or test a set (`[...].contains(x)`)",
    ...positionAt(text, at),
  });
  const depthOf = (f: { base: number; chains: number[] }) => f.chains.reduce((a, b) => a + b, f.base);
  // Counts an operator of `level` in the innermost frame; the answer is the depth it reaches.
  const operator = (level: number): number => {
    const f = frames[frames.length - 1]!;
    f.chains[level]!++;
    for (let l = Math.max(level + 1, 1); l < LEVELS; l++) f.chains[l] = 0;
    return depthOf(f);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (OPEN.has(c)) {
      const depth = depthOf(frames[frames.length - 1]!) + BRACKET_COST;
      if (depth > limits.maxDepth) return tooDeep(i, depth);
      frames.push({ base: depth, chains: new Array(LEVELS).fill(0) });
      i++;
      continue;
    }
    if (CLOSE.has(c)) {
      if (frames.length > 1) frames.pop();
      i++;
      continue;
    }
    if (c === "," || c === ";") {
      frames[frames.length - 1]!.chains.fill(0);
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === "::") {
      i += 2;
      continue;
    }
    const level = TWO_CHAR_LEVEL[two] ?? ONE_CHAR_LEVEL[c];
    if (level !== undefined) {
      const depth = operator(level);
      if (depth > limits.maxDepth) return tooDeep(i, depth);
      i += TWO_CHAR_LEVEL[two] !== undefined ? 2 : 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      const word = WORD_LEVEL[text.slice(i, j)];
      if (word !== undefined) {
        const depth = operator(word);
        if (depth > limits.maxDepth) return tooDeep(i, depth);
      }
      i = j;
      continue;
    }
    i++;
  }
  return null;
}
