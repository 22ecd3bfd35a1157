let cachedSecond = -1;
let cachedPrefix = "";

/**
 * `new Date().toISOString()` without building a Date per call: the text up to the seconds is kept
 * for the current second, only the milliseconds are formatted. Same output, a fraction of the cost,
 * which matters because every event gets a timestamp on the application's hot path.
 */
export function isoNow(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20); // "2026-11-22T02:11:33."
  }
  const ms = now - second * 1000;
  return `${cachedPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`;
}
