import { usageError } from "./errors.js";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since` / `--until`: a duration back from now (`30m`, `2h`, `7d`, `90s`, `1w`) or an ISO-8601
 * time (`2026-11-22`, `2026-11-22T10:00:00Z`). Returns epoch milliseconds.
 */
export function parseTimeArg(value: string, flag: string, now = Date.now()): number {
  const rel = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value.trim());
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw usageError(`${flag} takes a duration such as 30m, 2h, 7d, or an ISO-8601 time; got "${value}"`);
}
