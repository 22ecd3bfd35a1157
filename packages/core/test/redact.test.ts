import {
  buildActionReceipt,
  REDACTED,
  redactHeaders,
  redactText,
  redactUrl,
  scrubSecrets,
} from "@trusera/core";
import fc from "fast-check";
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

// Secrets an attack run planted that came through (issue 16, item 4). Built from parts so that no
// scanner takes this file for a leak.
const AWS_SECRET = ["wJalrXUtnFEMI/K7MDENG", "/bPxRfiCYEXAMPLEKEY"].join("");

describe("redaction gaps closed", () => {
  it("a sensitive key holding an array or an object is redacted whole", () => {
    expect(scrubSecrets({ password: ["x"], user: "ann" })).toEqual({ password: REDACTED, user: "ann" });
    expect(scrubSecrets({ credentials: { user: "ann", pass: "x" } })).toEqual({ credentials: REDACTED });
    expect(scrubSecrets({ nested: [{ api_keys: [{ id: 1 }] }] })).toEqual({
      nested: [{ api_keys: REDACTED }],
    });
    // Nothing to hide: kept as they are.
    expect(scrubSecrets({ password: [], token: {}, secret: null, pwd: "" })).toEqual({
      password: [],
      token: {},
      secret: null,
      pwd: "",
    });
  });

  it("secrets inside URLs in free text and payload strings", () => {
    expect(redactText("GET https://user:hunter2@db.example.com/x failed")).toBe(
      `GET https://user:${REDACTED}@db.example.com/x failed`,
    );
    expect(redactText("POST https://api.example.com/v1?api_key=abc123&page=2")).toBe(
      `POST https://api.example.com/v1?api_key=${REDACTED}&page=2`,
    );
    expect(scrubSecrets({ url: "postgres://app:s3cret@10.0.0.5:5432/db" })).toEqual({
      url: `postgres://app:${REDACTED}@10.0.0.5:5432/db`,
    });
    expect(scrubSecrets({ target: { id: "https://x.test/cb#access_token=abc&state=1" } })).toEqual({
      target: { id: `https://x.test/cb#access_token=${REDACTED}&state=1` },
    });
  });

  it("a 40-character AWS secret access key, alone or near its name", () => {
    expect(redactText(AWS_SECRET)).toBe(REDACTED);
    expect(redactText(`aws_secret_access_key = ${AWS_SECRET}`)).toBe(`aws_secret_access_key = ${REDACTED}`);
    expect(redactText(`creds AKIAIOSFODNN7EXAMPLE ${AWS_SECRET} end`)).toBe(
      `creds ${REDACTED} ${REDACTED} end`,
    );
    // Not the shape: a git commit id (lower-case hex), a longer base64 run, a path.
    const sha = "3f786850e387550fdab836ed7e6dc881de23001b";
    expect(redactText(`commit ${sha}`)).toBe(`commit ${sha}`);
    const blob = `${AWS_SECRET}${AWS_SECRET}`;
    expect(redactText(blob)).toBe(blob);
    const path = "/home/ann/Projects/agent-2/src/components/App.tsx";
    expect(redactText(path)).toBe(path);
  });

  it("assignments and key words in commands, configs and error messages", () => {
    expect(redactText("export OPENAI_API_KEY=abc123def")).toBe(`export OPENAI_API_KEY=${REDACTED}`);
    expect(redactText("login failed: password=hunter2 for ann")).toBe(
      `login failed: password=${REDACTED} for ann`,
    );
    expect(redactText('config {"db_password": "p4ss word", "port": 5432}')).toBe(
      `config {"db_password": "${REDACTED}", "port": 5432}`,
    );
    expect(redactText("Authorization: token 0123abcd4567ef")).toBe(`Authorization: token ${REDACTED}`);
    expect(redactText("using token 9f8e7d6c5b4a3210 for the call")).toBe(
      `using token ${REDACTED} for the call`,
    );
    expect(redactText("client_secret: xyz")).toBe(`client_secret: ${REDACTED}`);
    // Prose and harmless names are kept.
    for (const text of [
      "the token expired, please log in again",
      "max_tokens=512 and session_id=abc",
      "password reset instructions were sent",
      "keys: 3",
    ])
      expect(redactText(text)).toBe(text);
  });

  it("receipt targets, context and errors keep no URL secret", () => {
    const at = new Date().toISOString();
    const body = buildActionReceipt({
      actorId: "agent",
      connector: "transient-trace/test",
      action: "web.fetch",
      actionClass: "network",
      target: { id: "https://ann:hunter2@api.example.com/v1?api_key=abc123&page=2" },
      context: { command: "curl -u ann:pw https://x.test/?token=t0k3n --password hunter22x" },
      decision: {
        outcome: "allow",
        block: false,
        mode: "audit",
        reasonCode: "default_allow",
        ruleIds: [],
        policyDigest: "0".repeat(64),
      },
      executionStatus: "error",
      requestedAt: at,
      decidedAt: at,
      correlationId: "c:1",
      error: "fetch failed: postgres://app:s3cret@db/x password=hunter2",
    });
    const text = JSON.stringify(body);
    for (const secret of ["hunter2", "abc123", "t0k3n", "hunter22x", "s3cret"])
      expect(text).not.toContain(secret);
    expect(body.intent.target).toEqual({
      id: `https://ann:${REDACTED}@api.example.com/v1?api_key=${REDACTED}&page=2`,
    });
  });

  it("is idempotent: redacting twice changes nothing more", () => {
    for (const text of [
      "export OPENAI_API_KEY=abc123def",
      'curl -H "Authorization: Bearer abcdefgh12345" https://u:p@x.test/?token=t',
      `aws ${AWS_SECRET}`,
      '{"password":"x","api_key":"y"}',
    ]) {
      const once = redactText(text);
      expect(redactText(once)).toBe(once);
    }
  });

  it("is idempotent on any mix of the pieces its rules look at", () => {
    const piece = fc.constantFrom(
      ...["password", "=", ":", " ", '"', "'", "token", "key", "https://", "u:p@", "@", "/", "&", "aws"],
      ...["secret", "x", "\t", "\n", "[REDACTED]", "Bearer ", "abc123def", "A1b2C3d4", AWS_SECRET],
      ...["AKIAIOSFODNN7EXAMPLE", ["sk-", "abcdefghijklmnopqrstu"].join("")],
    );
    const text = fc.oneof(
      fc.array(piece, { maxLength: 20 }).map((a) => a.join("")),
      fc.string(),
    );
    fc.assert(
      fc.property(text, (s) => {
        const once = redactText(s);
        expect(redactText(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it("stays linear on hostile input", () => {
    const hostile = [
      "token".repeat(40_000),
      `${"a".repeat(200_000)}token=`,
      `key="${"x".repeat(200_000)}`,
      "A1b/".repeat(50_000),
      `password${" ".repeat(100_000)}=`,
    ];
    for (const text of hostile) {
      const started = performance.now();
      redactText(text);
      // A bound far above the ~ms it takes, to catch quadratic time (minutes) without timing flakes.
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
