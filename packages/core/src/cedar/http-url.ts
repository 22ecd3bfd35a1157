/**
 * The parts of an absolute http(s) URL that the request model reads, as WHATWG `new URL()` gives
 * them (same names, same values).
 */
export interface HttpUrlParts {
  href: string;
  protocol: "http:" | "https:";
  hostname: string;
  port: string;
  pathname: string;
  search: string;
}

// Character classes, ASCII only. Why: `new URL()` costs 0.4-0.6 µs in Node 20, a third of a whole
// decision. The ordinary URL an agent calls (lower-case scheme, a plain domain or dotted quad, an
// optional port, a path and query of URL-safe characters) comes out of WHATWG parsing unchanged but for
// a few normalisations done here; every other string goes to `new URL()` (parseHttpUrl returns null).
// Left out on purpose, each changed by WHATWG: whitespace and controls (stripped), `\` (a slash), `'`
// in a query and `"<>^`{|}` anywhere (percent-encoded, or not, depending on the Node version),
// userinfo (`@` before the path), IPv6, `%` in a host, `xn--` labels, empty labels and trailing dots,
// hosts ending in a number (IPv4 forms other than the canonical dotted quad), dot segments (`.`,
// `..`, `%2e`), ports with a leading zero, and a second `#`.
const HOST = 1;
const PATH = 2;
const QUERY = 4;
const FRAG = 8;
const CLASS = new Uint8Array(128);
const mark = (chars: string, bits: number) => {
  for (let i = 0; i < chars.length; i++) CLASS[chars.charCodeAt(i)]! |= bits;
};
const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
mark(`${ALNUM}-.`, HOST);
mark(`${ALNUM}-._~!$&()*+,;=:@/%`, PATH | QUERY | FRAG);
mark("?", QUERY | FRAG);

const SLASH = 47;
const QMARK = 63;
const HASH = 35;
const COLON = 58;
const DOT = 46;
const PERCENT = 37;

/**
 * `new URL(s)`'s href, protocol, hostname, port, pathname and search for an ordinary absolute
 * http(s) URL, or null when `s` is anything else (then ask `new URL()`, which may also throw).
 * Proven against `new URL()` by packages/core/test/cedar-http-url.test.ts.
 */
export function parseHttpUrl(s: string): HttpUrlParts | null {
  let i: number;
  let protocol: "http:" | "https:";
  let defaultPort: string;
  if (s.startsWith("https://")) {
    i = 8;
    protocol = "https:";
    defaultPort = "443";
  } else if (s.startsWith("http://")) {
    i = 7;
    protocol = "http:";
    defaultPort = "80";
  } else return null;
  const n = s.length;

  // Host: labels of [A-Za-z0-9-], none empty.
  const hostStart = i;
  let labelStart = i;
  let upper = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CLASS[c]! & HOST) === 0) break;
    if (c === DOT) {
      if (i === labelStart || isPunycode(s, labelStart)) return null;
      labelStart = i + 1;
    } else if (c <= 90 && c >= 65) upper = true;
  }
  // An empty host, an empty last label (a trailing dot), punycode (WHATWG decodes and checks it).
  if (i === labelStart || isPunycode(s, labelStart)) return null;
  const raw = s.slice(hostStart, i);
  const hostname = upper ? raw.toLowerCase() : raw;
  const last = hostname.charCodeAt(labelStart - hostStart);
  if (last >= 48 && last <= 57 && !isDottedQuad(hostname)) return null; // ends in a number: IPv4 forms

  // Port: digits, no leading zero, at most 65535; the scheme's default one is dropped.
  let port = "";
  let sameAsGiven = !upper;
  if (i < n && s.charCodeAt(i) === COLON) {
    const from = ++i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    const digits = i - from;
    if (digits === 0 || digits > 5 || (digits > 1 && s.charCodeAt(from) === 48)) return null;
    port = s.slice(from, i);
    if (Number(port) > 65535) return null;
    if (port === defaultPort) {
      port = "";
      sameAsGiven = false;
    }
  }
  const authorityEnd = i;

  // Path: from `/` up to `?` or `#`; absent is `/`.
  let pathname = "/";
  if (i < n && s.charCodeAt(i) === SLASH) {
    const from = i;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128 || (CLASS[c]! & PATH) === 0) break;
      if (c === SLASH && i + 1 < n) {
        const next = s.charCodeAt(i + 1);
        if ((next === DOT || next === PERCENT) && isDotSegment(s, i + 1)) return null;
      }
    }
    pathname = s.slice(from, i);
  } else sameAsGiven = false;

  // Query: from `?` up to `#`.
  let search = "";
  if (i < n && s.charCodeAt(i) === QMARK) {
    const from = i;
    for (i++; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128 || (CLASS[c]! & QUERY) === 0) break;
    }
    if (i - from > 1) search = s.slice(from, i);
  }
  // Fragment: to the end (not read by the request model, but part of href).
  if (i < n && s.charCodeAt(i) === HASH) {
    for (i++; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128 || (CLASS[c]! & FRAG) === 0) break;
    }
  }
  if (i < n) return null; // anything else: a backslash, a space, `@` or `[` in the authority, ...

  const href = sameAsGiven
    ? s
    : `${protocol}//${hostname}${port === "" ? "" : `:${port}`}${pathname}${s.slice(
        pathname === "/" && s.charCodeAt(authorityEnd) !== SLASH
          ? authorityEnd
          : authorityEnd + pathname.length,
      )}`;
  return { href, protocol, hostname, port, pathname, search };
}

/** Whether the label at `at` starts with `xn--` (any case). */
function isPunycode(s: string, at: number): boolean {
  return (
    (s.charCodeAt(at) | 32) === 120 &&
    (s.charCodeAt(at + 1) | 32) === 110 &&
    s.charCodeAt(at + 2) === 45 &&
    s.charCodeAt(at + 3) === 45
  );
}

/** `a.b.c.d`, each 0-255 in decimal without a leading zero: an IPv4 address WHATWG leaves as it is. */
function isDottedQuad(host: string): boolean {
  const parts = host.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p.charCodeAt(0) === 48)) return false;
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c < 48 || c > 57) return false;
    }
    if (Number(p) > 255) return false;
  }
  return true;
}

/** Whether the path segment starting at `from` is `.` or `..`, written with `%2e` or not. */
function isDotSegment(s: string, from: number): boolean {
  let end = from;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (c === SLASH || c === QMARK || c === HASH) break;
    end++;
  }
  if (end - from > 6) return false;
  const seg = s.slice(from, end).toLowerCase().replaceAll("%2e", ".");
  return seg === "." || seg === "..";
}
