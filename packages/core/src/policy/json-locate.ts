import { positionAt, type SourcePosition } from "../cedar/source-position.js";

/** A JSON text parsed with the place of every value, so that errors can point into the file. */
export interface LocatedJson {
  value: unknown;
  /** Offset of each value by JSON Pointer (`/rules/0/action`); `#key` suffix for a member's name. */
  offsets: Map<string, number>;
  positionOf(pointer: string): SourcePosition;
}

export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly offset: number,
    readonly position: SourcePosition,
  ) {
    super(`${message} at line ${position.line}, column ${position.column}`);
    this.name = "JsonSyntaxError";
  }
}

const escapePointer = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * Parses JSON (RFC 8259, no comments) and records where each value starts. Syntax errors carry the
 * line and column. The values come from `JSON.parse`, so they are exactly what any reader gets.
 */
export function parseJsonLocated(text: string): LocatedJson {
  const offsets = new Map<string, number>();
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, at, positionAt(text, at));
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const what = () => (i >= text.length ? "end of input" : `"${text[i]}"`);
  const string = () => {
    const start = i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape in string");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail("bad escape in string");
      } else if (c.charCodeAt(0) < 32) fail("control character in string");
      else i++;
    }
    return fail("unterminated string", start);
  };
  const value = (path: string, depth: number): void => {
    if (depth > 64) fail("nesting deeper than 64 levels");
    ws();
    offsets.set(path, i);
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      const seen = new Set<string>();
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a member name in quotes, found ${what()}`);
        const keyAt = i;
        const key = string();
        if (seen.has(key)) fail(`duplicate member "${key}"`, keyAt);
        seen.add(key);
        const child = `${path}/${escapePointer(key)}`;
        offsets.set(`${child}#key`, keyAt);
        ws();
        if (text[i] !== ":") fail(`expected ":" after member name, found ${what()}`);
        i++;
        value(child, depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected "," or "}" after a member, found ${what()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}/${n}`, depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected "," or "]" after an element, found ${what()}`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i, i + 400),
    );
    if (!lit) fail(`unexpected ${what()}`);
    i += lit![0].length;
  };
  value("", 0);
  ws();
  if (i < text.length) fail(`unexpected ${what()} after the end of the JSON value`);
  return {
    value: JSON.parse(text),
    offsets,
    positionOf(pointer: string): SourcePosition {
      // Fall back to the nearest enclosing value that was seen.
      let p = pointer;
      for (;;) {
        const at = offsets.get(p);
        if (at !== undefined) return positionAt(text, at);
        if (p === "") return { line: 1, column: 1 };
        p = p.slice(0, p.lastIndexOf("/"));
      }
    },
  };
}
