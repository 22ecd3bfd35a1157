import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.js";

/**
 * Deepest nesting of arrays and objects a request body may have. Why: code that walks a value
 * recursively (validation, redaction, the Cedar engine given a context) overflows its stack far
 * below what JSON.parse accepts (5,000 levels in `process_info` answered 500). 64 levels leave room for
 * any real payload.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The first offset where `text` nests deeper than `max` (outside strings), or -1. Linear; strings are
 * skipped with `indexOf`, so a batch of events costs about a tenth of its JSON.parse (a character loop
 * cost 0.7 of it). Checked before parsing because JSON.parse itself takes seconds on 5 MiB of `[`.
 */
export function jsonTooDeepAt(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // The closing quote is the next one not preceded by an odd number of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end > 0) {
        let k = end - 1;
        while (text.charCodeAt(k) === 92 /* \ */) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return -1; // unterminated: the parser says so
      i = end;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return i;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return -1;
}

/**
 * Fastify's own JSON parser (with its `__proto__` protection), after a depth check: a body nested
 * deeper than `MAX_JSON_DEPTH` is a 400 `json_too_deep`, before anything reads it.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "ignore");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    const at = jsonTooDeepAt(text, MAX_JSON_DEPTH);
    if (at >= 0) {
      done(
        new ApiError(
          400,
          "json_too_deep",
          `request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (at character ${at})`,
        ),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
