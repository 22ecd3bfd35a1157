import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseHttpUrl } from "../src/cedar/http-url.js";
import { httpRequest } from "../src/cedar/request-model.js";
import { headerNames } from "../src/redact/headers.js";

// parseHttpUrl must give what `new URL()` gives, whenever it answers at all. The generators are
// biased to what WHATWG parsing changes: case, ports (default ones too), dot segments, `%2e`, `@`,
// `#`, a lone `?`, empty paths, trailing dots, IDN, punycode, numbers as hosts, whitespace, `\`.

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const SCHEMES = [
  "http://",
  "https://",
  "HTTP://",
  "Https://",
  "ftp://",
  "http:/",
  "http:\\\\",
  " http://",
  "ws://",
];
const LABELS = [
  "a",
  "example",
  "com",
  "api",
  "b-c",
  "EXAMPLE",
  "Api",
  "xn--nxasmq6b",
  "xn--a",
  "ab--c",
  "0x7f",
  "0X1",
  "1",
  "0",
  "127",
  "255",
  "256",
  "01",
  "4294967295",
  "a-b",
  "-a",
  "a_b",
  "bücher",
  "ß",
  "",
  "%41",
  "a b",
  "x".repeat(70),
];
const PORTS = ["", ":", ":80", ":443", ":8080", ":080", ":0", ":65535", ":65536", ":99999", ":1a", ":8443"];
const SEGMENTS = [
  "a",
  "admin",
  "",
  ".",
  "..",
  "%2e",
  "%2E",
  ".%2e",
  "%2e%2E",
  "..a",
  ".well-known",
  "%20",
  "%zz",
  "%",
  "a b",
  "é",
  "x^y",
  "a|b",
  "{x}",
  "`",
  '"',
  "<a>",
  "~u",
  "@",
  "'",
  "\\",
  "\t",
  "[x]",
  "a:b",
  "C:",
  "*",
  "$&+,;=",
];
const QUERIES = ["", "?", "?a=1", "?a=1&b=2", "?a?b", "?'", "?a b", "?q=%41", "?[x]", "?é", "?/x", "?^|"];
const FRAGMENTS = ["", "#", "#f", "#a#b", "#`", "#a?b", "#é", "#a b"];
const USERINFO = ["", "", "", "", "", "", "", "", "u@", "u:p@", "@"];

/** Mostly one of the first `plain` entries of `xs`, now and then any. */
const biased = <T>(xs: readonly T[], plain: number) =>
  fc.oneof({ weight: 4, arbitrary: pick(xs.slice(0, plain)) }, { weight: 1, arbitrary: pick(xs) });
const label = biased(LABELS, 5);
const host = fc.oneof(
  { weight: 6, arbitrary: fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join(".")) },
  {
    weight: 1,
    arbitrary: fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => `${ls.join(".")}.`),
  },
  {
    weight: 1,
    arbitrary: pick(["[::1]", "[2001:DB8::1]", "1.2.3.4", "01.2.3.4", "1.2.3", "0x7f.1", "1.2.3.4."]),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((ns) => ns.join(".")),
  },
);

const url = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: pick(SCHEMES.slice(0, 2)) }, { weight: 1, arbitrary: pick(SCHEMES) }),
    pick(USERINFO),
    host,
    biased(PORTS, 1),
    fc.oneof(
      { weight: 1, arbitrary: fc.constant("") },
      {
        weight: 6,
        arbitrary: fc.array(biased(SEGMENTS, 3), { maxLength: 4 }).map((ss) => `/${ss.join("/")}`),
      },
    ),
    biased(QUERIES, 5),
    biased(FRAGMENTS, 3),
    fc.oneof(
      { weight: 8, arbitrary: fc.constant("") },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
      { weight: 1, arbitrary: pick([" ", "\n", "\t", "\u0000", "\u00a0"]) },
    ),
  )
  .map((parts) => parts.join(""));

/** What `new URL()` says, or null when it throws. */
function whatwg(s: string) {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return null;
  }
  const { href, protocol, hostname, port, pathname, search } = u;
  return { href, protocol, hostname, port, pathname, search };
}

/** httpRequest as it was before parseHttpUrl: every string through `new URL()`. */
function reference(agentId: string, call: { url: string; method?: string }) {
  const u = new URL(call.url);
  const hostname = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const scheme = u.protocol.replace(/:$/, "");
  const ports: Record<string, number> = { "http:": 80, "https:": 443, "ws:": 80, "wss:": 443 };
  const port = u.port ? Number(u.port) : (ports[u.protocol] ?? 0);
  return {
    principal: { type: "Agent", id: agentId || "unknown" },
    action: { type: "Action", id: "api_call" },
    resource: { type: "Host", id: hostname },
    context: {
      url: u.href,
      method: (call.method ?? "GET").toUpperCase(),
      hostname,
      path: u.pathname,
      query: u.search.replace(/^\?/, ""),
      scheme,
      port,
      headers: headerNames(undefined),
    },
    entities: [{ uid: { type: "Host", id: hostname }, attrs: { hostname, scheme, port }, parents: [] }],
  };
}

describe("parseHttpUrl", () => {
  it("answers as new URL() does, for every URL it answers (and answers the ordinary ones)", () => {
    let answered = 0;
    let cases = 0;
    fc.assert(
      fc.property(url, (s) => {
        cases++;
        const fast = parseHttpUrl(s);
        if (fast === null) return;
        answered++;
        expect({ s, ...fast }).toEqual({ s, ...whatwg(s) });
      }),
      { numRuns: Number(process.env.CEDAR_URL_RUNS ?? 20_000) },
    );
    // The test proves something only if the fast path is taken often.
    expect(answered / cases).toBeGreaterThan(0.15);
  });

  it("builds the same request as through new URL(), or throws the same way", () => {
    fc.assert(
      fc.property(url, pick(["get", "POST", undefined]), (s, method) => {
        let expected: unknown;
        try {
          expected = reference("a1", { url: s, method });
        } catch {
          expect(() => httpRequest("a1", { url: s, method })).toThrow(TypeError);
          return;
        }
        expect(httpRequest("a1", { url: s, method })).toEqual(expected);
      }),
      { numRuns: 5_000 },
    );
  });

  it("takes the ordinary URLs agents call, and leaves the rest to new URL()", () => {
    for (const s of [
      "https://api.openai.com/v1/chat/completions",
      "http://127.0.0.1:8080/x?y=1",
      "https://api.example.com:443/a/b?c#d",
      "http://a.example",
      "https://a.example?x",
    ]) {
      expect(parseHttpUrl(s), s).toEqual(whatwg(s));
    }
    for (const s of [
      "http://0x7f.1/",
      "http://a/./b",
      "http://a/%2e%2E/b",
      "http://u@a/",
      "http://[::1]/",
      "http://bücher.example/",
      "http://xn--nxasmq6b.com/",
      "http://a.b./",
      "http://a\\b/",
      " http://a/",
      "http://a:080/",
      "https://API.example.com/",
      "http://a/#x#y",
    ]) {
      expect(parseHttpUrl(s), s).toBeNull();
    }
  });
});
