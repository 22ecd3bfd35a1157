import { REDACTED, redactHeaders, redactText, redactUrl, scrubSecrets } from "@trusera/core";
import { describe, expect, it } from "vitest";

describe("redactHeaders", () => {
  it("redacts every credential header and any token/secret/key name", () => {
    const out = redactHeaders({
      Authorization: "Bearer abc",
      "Proxy-Authorization": "Basic xyz",
      Cookie: "a=b",
      "Set-Cookie": ["a=b", "c=d"],
      "X-Api-Key": "k",
      "api-key": "k",
      "x-goog-api-key": "k",
      "X-Auth-Token": "t",
      "X-Client-Secret": "s",
      "Content-Type": "application/json",
      "Keep-Alive": "timeout=5",
    });
    for (const name of [
      "authorization",
      "proxy-authorization",
      "cookie",
      "set-cookie",
      "x-api-key",
      "api-key",
      "x-goog-api-key",
      "x-auth-token",
      "x-client-secret",
    ]) {
      expect(out[name], name).toBe(REDACTED);
    }
    expect(out["content-type"]).toBe("application/json");
    expect(out["keep-alive"]).toBe("timeout=5");
  });

  it("reads WHATWG Headers and pair lists", () => {
    expect(redactHeaders(new Headers({ authorization: "x", accept: "*/*" }))).toEqual({
      authorization: REDACTED,
      accept: "*/*",
    });
    expect(redactHeaders([["X-Token", "t"]])).toEqual({ "x-token": REDACTED });
  });
});

describe("redactUrl", () => {
  it("redacts secret-looking query values and passwords, keeps the rest", () => {
    expect(redactUrl("https://api.example.com/v1?q=cats&api_key=abc123&token=t&page=2")).toBe(
      `https://api.example.com/v1?q=cats&api_key=${REDACTED}&token=${REDACTED}&page=2`,
    );
    expect(redactUrl("https://user:hunter2@example.com/x")).toBe(`https://user:${REDACTED}@example.com/x`);
    expect(redactUrl("https://example.com/path")).toBe("https://example.com/path");
  });

  it("redacts a secret-shaped value under a harmless name", () => {
    expect(redactUrl("https://x.test/?q=sk-abcdefghijklmnopqrstuv")).toBe(`https://x.test/?q=${REDACTED}`);
  });

  it("redacts secrets in the fragment too (OAuth's implicit flow puts the access token there)", () => {
    expect(redactUrl("https://app.test/cb#access_token=abc123&state=xyz")).toBe(
      `https://app.test/cb#access_token=${REDACTED}&state=xyz`,
    );
    expect(redactUrl("https://app.test/cb?page=1#token=t")).toBe(
      `https://app.test/cb?page=1#token=${REDACTED}`,
    );
    expect(redactUrl("https://app.test/docs#section-2")).toBe("https://app.test/docs#section-2");
    expect(redactUrl("not a url#id_token=abc")).toBe(`not a url#id_token=${REDACTED}`);
  });
});

describe("scrubSecrets and redactText", () => {
  it("returns the same object when nothing is secret", () => {
    const value = { a: 1, b: { c: "plain", max_tokens: 5 } };
    expect(scrubSecrets(value)).toBe(value);
  });

  it("redacts sensitive keys and secret-shaped strings deep inside, without touching the input", () => {
    const value = { user: "ann", password: "p", nested: [{ note: "key sk-ant-abcdefghijklmnopqrstu used" }] };
    const out = scrubSecrets(value);
    expect(out).toEqual({ user: "ann", password: REDACTED, nested: [{ note: `key ${REDACTED} used` }] });
    expect(value.password).toBe("p");
  });

  it("cuts cycles with a marker so the result always serializes", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    a.list = [a];
    expect(JSON.parse(JSON.stringify(scrubSecrets(a)))).toEqual({
      name: "a",
      self: "[Circular]",
      list: ["[Circular]"],
    });
  });

  it("keeps the scheme of a bearer token", () => {
    expect(redactText('curl -H "Authorization: Bearer abcdefgh12345"')).toBe(
      `curl -H "Authorization: Bearer ${REDACTED}"`,
    );
  });
});
