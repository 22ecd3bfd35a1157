import { formatMicros } from "../time.js";

/**
 * Now as ISO-8601 UTC with microseconds, e.g. `2026-11-22T02:11:33.123456Z`. The milliseconds are
 * the wall clock's (no drift in a long-lived daemon); the microseconds below them are best effort.
 */
export function nowIso(): string {
  return formatMicros(Date.now() * 1000 + (Math.floor(performance.now() * 1000) % 1000));
}
