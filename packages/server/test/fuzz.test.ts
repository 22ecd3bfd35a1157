import { generateSigningKey, publicJwk } from "@trusera/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/types.js";
import { BACKENDS } from "./backends.js";
import { apiCallEvent, sdkEvent, startTestServer, type TestServer } from "./helpers.js";

/**
 * Thousands of generated bad requests: bad keys, malformed JSON, wrong types, missing fields, bodies
 * over the limit, unknown ids, bad query strings, batches with one bad event, invalid Cedar. Every
 * answer must be a JSON error with a stable code and a 4xx status, and afterwards the server must still
 * answer and every stored row must be exactly as before.
 */

const BODY_LIMIT = 16 * 1024;

interface Req {
  kind: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  key?: "admin" | "ingest" | "none" | "revoked" | "garbage";
  /** Statuses this request may get. */
  expect: number[];
}

const RECEIPT_JWK = publicJwk(generateSigningKey().publicKey);

// Every route, with a valid body where it takes one: mutations of these make the bad ones.
const ROUTE_LIST: { method: string; path: string; body?: () => Record<string, unknown> }[] = [
  { method: "POST", path: "/api/v1/events/batch", body: () => ({ events: [sdkEvent()] }) },
  { method: "POST", path: "/api/v1/agents/AGENT/events", body: () => ({ events: [sdkEvent()] }) },
  { method: "POST", path: "/v1/events", body: () => ({ agent_id: "fuzz", events: [sdkEvent()] }) },
  { method: "POST", path: "/api/v1/agents/register", body: () => ({ name: "fuzz-agent", framework: "x" }) },
  { method: "POST", path: "/v1/agents", body: () => ({ name: "fuzz-agent" }) },
  { method: "POST", path: "/api/v1/fleet/register", body: () => ({ name: "fuzz-fleet", hostname: "h" }) },
  {
    method: "POST",
    path: "/api/v1/policies",
    body: () => ({ policies: "permit (principal, action, resource);" }),
  },
  {
    method: "POST",
    path: "/api/v1/policies/replay",
    body: () => ({ policies: "permit (principal, action, resource);" }),
  },
  {
    method: "POST",
    path: "/api/v1/cedar/evaluate",
    body: () => ({ principal: "a", action: "decision", resource: 'Step::"s"' }),
  },
  { method: "POST", path: "/api/v1/keys", body: () => ({ role: "ingest" }) },
  {
    method: "POST",
    path: "/api/v1/policies/validate",
    body: () => ({ policies: "permit (principal, action, resource);" }),
  },
  {
    method: "POST",
    path: "/api/v1/alerts/rules",
    body: () => ({
      name: "r",
      kind: "violation",
      channels: [{ type: "slack", url: "http://127.0.0.1:9/x" }],
    }),
  },
  { method: "POST", path: "/api/v1/receipts/keys", body: () => ({ keys: [RECEIPT_JWK] }) },
  { method: "POST", path: "/api/v1/receipts/batch", body: () => ({ receipts: [{}] }) },
  { method: "GET", path: "/api/v1/events" },
  { method: "GET", path: "/api/v1/events/summary" },
  { method: "GET", path: "/api/v1/agents" },
  { method: "GET", path: "/api/v1/policies" },
  { method: "GET", path: "/api/v1/policies/bundle" },
  { method: "GET", path: "/api/v1/policies/activations" },
  { method: "GET", path: "/api/v1/project" },
  { method: "GET", path: "/api/v1/keys" },
  { method: "GET", path: "/api/v1/alerts/rules" },
  { method: "GET", path: "/api/v1/alerts" },
  { method: "GET", path: "/api/v1/overview" },
  { method: "GET", path: "/api/v1/receipts" },
  { method: "GET", path: "/api/v1/receipts/chains" },
  { method: "GET", path: "/api/v1/receipts/rejections" },
];

// Generated values are plain data: routes are picked by index, their body made afterwards.
const ROUTES = ROUTE_LIST.map((r, i) => ({
  method: r.method,
  path: r.path,
  index: i,
  hasBody: r.body !== undefined,
}));
const bodyOf = (route: { index: number }) => ROUTE_LIST[route.index]!.body!();

// Fields whose wrong type or absence makes a body invalid, per route.
const REQUIRED: Record<string, string[]> = {
  "/api/v1/events/batch": ["events"],
  "/api/v1/agents/AGENT/events": ["events"],
  "/v1/events": ["events"],
  "/api/v1/agents/register": ["name"],
  "/v1/agents": ["name"],
  "/api/v1/fleet/register": ["name"],
  "/api/v1/policies": ["policies"],
  "/api/v1/cedar/evaluate": ["principal", "action", "resource"],
  "/api/v1/keys": ["role"],
  "/api/v1/policies/validate": ["policies"],
  "/api/v1/alerts/rules": ["name", "kind", "channels"],
  "/api/v1/receipts/keys": ["keys"],
  "/api/v1/receipts/batch": ["receipts"],
};

const notJson = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});
// Values of a type no field above accepts: every required field is a string or an array of objects.
const wrongValue = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true }));
const idSegment = fc.oneof(
  fc.stringMatching(/^[a-z]{3}_[0-9a-f]{16}$/),
  fc.uuid(),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
);
const badEvent = fc.oneof(
  fc.constant({ id: "not-an-id", type: "tool_call", name: "x", timestamp: new Date().toISOString() }),
  fc.constant({ type: "tool_call", name: "x", timestamp: new Date().toISOString() }),
  fc.record({
    id: fc.uuid(),
    type: fc.string().filter((s) => !/^[a-z_]+$/.test(s) || s.length > 20),
    name: fc.constant("x"),
  }),
  fc.record({
    id: fc.uuid(),
    type: fc.constant("api_call"),
    name: fc.constant(""),
    timestamp: fc.constant(1),
  }),
  fc.record({
    id: fc.uuid(),
    type: fc.constant("decision"),
    name: fc.constant("x"),
    // Digit strings are valid (seconds, ms or µs since the epoch, as other SDKs send them).
    timestamp: fc.string({ maxLength: 10 }).filter((t) => !/^\d+(?:\.\d+)?$/.test(t)),
  }),
  fc.record({
    id: fc.uuid(),
    type: fc.constant("decision"),
    name: fc.constant("x"),
    payload: fc.array(fc.integer()),
  }),
  wrongValue,
  fc.string(),
);

const badRequest: fc.Arbitrary<Req> = fc.oneof(
  // Bad keys on every route, even with a valid body.
  fc
    .record({
      route: fc.constantFrom(...ROUTES),
      key: fc.constantFrom("none" as const, "revoked" as const, "garbage" as const),
    })
    .map(({ route, key }) => ({
      kind: "bad key",
      method: route.method,
      path: route.path,
      key,
      ...(route.hasBody ? { body: JSON.stringify(bodyOf(route)) } : {}),
      expect: [401],
    })),
  // Malformed JSON.
  fc
    .record({ route: fc.constantFrom(...ROUTES.filter((r) => r.hasBody)), text: notJson })
    .map(({ route, text }) => ({
      kind: "malformed JSON",
      method: route.method,
      path: route.path,
      body: text,
      expect: [400],
    })),
  // A required field missing or of the wrong type.
  fc
    .record({
      route: fc.constantFrom(...ROUTES.filter((r) => r.hasBody && REQUIRED[r.path])),
      drop: fc.boolean(),
      value: wrongValue,
      pick: fc.nat(),
    })
    .map(({ route, drop, value, pick }) => {
      const body = bodyOf(route);
      const fields = REQUIRED[route.path]!;
      const field = fields[pick % fields.length]!;
      if (drop) delete body[field];
      else body[field] = value;
      return {
        kind: "wrong type",
        method: route.method,
        path: route.path,
        body: JSON.stringify(body),
        expect: [400],
      };
    }),
  // Not an object at all.
  fc
    .record({
      route: fc.constantFrom(...ROUTES.filter((r) => r.hasBody)),
      value: fc.oneof(wrongValue, fc.array(fc.integer())),
    })
    .map(({ route, value }) => ({
      kind: "not an object",
      method: route.method,
      path: route.path,
      body: JSON.stringify(value),
      expect: [400],
    })),
  // Over the body limit.
  fc.constantFrom(...ROUTES.filter((r) => r.hasBody)).map((route) => ({
    kind: "oversized",
    method: route.method,
    path: route.path,
    body: JSON.stringify({ ...bodyOf(route), pad: "x".repeat(BODY_LIMIT + 10) }),
    expect: [413],
  })),
  // Not JSON at all.
  fc.constantFrom(...ROUTES.filter((r) => r.hasBody)).map((route) => ({
    kind: "wrong media type",
    method: route.method,
    path: route.path,
    headers: { "content-type": "text/plain" },
    body: "hello",
    expect: [415],
  })),
  // Unknown ids.
  fc
    .record({
      id: idSegment,
      route: fc.constantFrom(
        ["GET", "/api/v1/agents/ID"],
        ["GET", "/api/v1/events/ID"],
        ["GET", "/api/v1/policies/ID"],
        ["POST", "/api/v1/policies/ID/activate"],
        ["DELETE", "/api/v1/keys/ID"],
        ["POST", "/api/v1/fleet/ID/heartbeat"],
        ["GET", "/api/v1/alerts/rules/ID"],
        ["DELETE", "/api/v1/alerts/rules/ID"],
        ["GET", "/api/v1/receipts/ID"],
      ),
    })
    .map(({ id, route }) => ({
      kind: "unknown id",
      method: route[0],
      path: route[1].replace("ID", id),
      ...(route[0] === "POST" ? { body: "{}" } : {}),
      expect: [400, 404],
    })),
  // Bad query strings.
  fc
    .record({
      path: fc.constantFrom("/api/v1/events", "/api/v1/agents", "/api/v1/policies", "/api/v1/events/summary"),
      query: fc.oneof(
        fc.constantFrom(
          "limit=0",
          "limit=-1",
          "limit=abc",
          "limit=100000",
          "type=bogus",
          "decision=maybe",
          "since=yesterday",
          "until=%00",
          "cursor=%%%",
          "unknown=1",
          "before=0",
        ),
        fc.string({ minLength: 1, maxLength: 20 }).map((s) => `since=${encodeURIComponent(`x${s}`)}`),
      ),
    })
    .filter(
      ({ path, query }) => !(path === "/api/v1/events/summary" && /^(limit|cursor)=/.test(query)) || true,
    )
    .map(({ path, query }) => ({
      kind: "bad query",
      method: "GET",
      path: `${path}?${query}`,
      expect: [400],
    })),
  // A batch with at least one bad event stores nothing.
  fc
    .record({
      path: fc.constantFrom("/api/v1/events/batch", "/api/v1/agents/AGENT/events", "/v1/events"),
      good: fc.nat({ max: 5 }),
      bad: fc.array(badEvent, { minLength: 1, maxLength: 3 }),
    })
    .map(({ path, good, bad }) => ({
      kind: "bad event in batch",
      method: "POST",
      path,
      body: JSON.stringify({ events: [...Array.from({ length: good }, () => sdkEvent()), ...bad] }),
      expect: [400],
    })),
  // Invalid Cedar.
  fc
    .string({ minLength: 1, maxLength: 80 })
    .filter((s) => s.trim() !== "" && !s.includes("//") && !/permit|forbid/.test(s))
    .chain((text) =>
      fc.constantFrom("/api/v1/policies", "/api/v1/policies/replay").map((path) => ({
        kind: "invalid Cedar",
        method: "POST",
        path,
        body: JSON.stringify({ policies: text }),
        expect: [400],
      })),
    ),
  // NUL characters, which Postgres cannot store, wherever text reaches the store.
  fc
    .constantFrom(
      ["GET", "/api/v1/agents/a%00b"],
      ["GET", "/api/v1/events?agent_id=%00"],
      ["POST", "/api/v1/agents/a%00/events", { events: [sdkEvent()] }],
      ["POST", "/api/v1/events/batch", { events: [sdkEvent({ name: "a\u0000b" })] }],
      ["POST", "/api/v1/events/batch", { events: [sdkEvent({ agent_id: "x\u0000" })] }],
      ["POST", "/v1/events", { agent_id: "\u0000", events: [sdkEvent()] }],
      ["POST", "/api/v1/agents/register", { name: "n\u0000" }],
      ["POST", "/api/v1/fleet/register", { name: "\u0000" }],
      ["POST", "/api/v1/policies", { policies: "", description: "\u0000" }],
      ["POST", "/api/v1/keys", { role: "ingest", label: "\u0000" }],
      ["POST", "/api/v1/policies/a%00/activate", {}],
    )
    .map(([method, path, body]) => ({
      kind: "NUL character",
      method: method as string,
      path: path as string,
      ...(body ? { body: JSON.stringify(body) } : {}),
      expect: [400, 404],
    })),
  // Ingest keys on admin routes.
  fc
    .constantFrom(
      ["GET", "/api/v1/events"],
      ["GET", "/api/v1/agents"],
      ["POST", "/api/v1/policies/rollback"],
      ["GET", "/api/v1/keys"],
    )
    .map(([method, path]) => ({
      kind: "wrong role",
      method: method!,
      path: path!,
      key: "ingest" as const,
      expect: [403],
    })),
);

async function snapshot(store: Store, projectIds: string[]): Promise<string> {
  const parts: unknown[] = [];
  for (const id of projectIds) {
    parts.push(
      await store.listEvents(id, { limit: 100_000 }),
      await store.listAgents(id),
      await store.listPolicyVersions(id, { limit: 1000 }),
      await store.listPolicyActivations(id, 1000),
      await store.listApiKeys(id),
      await store.alerts.listAlertRules(id),
      await store.alerts.listAlerts(id, { limit: 1000 }),
      await store.receipts.listReceiptKeys(id),
      await store.receipts.listReceiptChains(id),
      await store.receipts.listReceiptRejections(id, 1000),
    );
  }
  parts.push(await store.countApiKeys());
  return JSON.stringify(parts);
}

describe.each(BACKENDS)("bad input, generated ($name)", (backend) => {
  let t: TestServer;
  let cleanup: () => Promise<void>;
  const keys = { admin: "", ingest: "", revoked: "" };

  beforeAll(async () => {
    const s = await backend.setup();
    cleanup = s.cleanup;
    t = await startTestServer({ ...s.overrides, bodyLimit: BODY_LIMIT });
    keys.admin = t.adminKey;
    keys.ingest = (await t.api("POST", "/api/v1/keys", { body: { role: "ingest" } })).body.key;
    const revoked = (await t.api("POST", "/api/v1/keys", { body: { role: "admin" } })).body;
    await t.api("DELETE", `/api/v1/keys/${revoked.id}`);
    keys.revoked = revoked.key;
    // Something to leave untouched. The agent "AGENT" exists, and agent "fuzz" too.
    for (const name of ["AGENT", "fuzz", "fuzz-agent", "fuzz-fleet"]) {
      await t.api("POST", "/api/v1/agents/register", { body: { name } });
    }
    await t.api("POST", "/api/v1/events/batch", {
      body: { events: [apiCallEvent("https://a.example/", "allow", { agent_id: "AGENT" }), sdkEvent()] },
    });
    await t.api("POST", "/api/v1/policies", {
      body: { policies: "permit (principal, action, resource);", activate: true },
    });
  });
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });

  it("answers every bad request with a JSON 4xx error and changes nothing", async () => {
    const projectId = (await t.api("GET", "/api/v1/project")).body.id;
    const before = await snapshot(t.server.store, [projectId]);
    const counts: Record<string, number> = {};
    const runs = backend.name === "sqlite" ? 3000 : 1200;
    await fc.assert(
      fc.asyncProperty(badRequest, async (req) => {
        counts[req.kind] = (counts[req.kind] ?? 0) + 1;
        const headers: Record<string, string> = { ...req.headers };
        const key = req.key ?? "admin";
        if (key === "garbage") headers.authorization = "Basic Zm9vOmJhcg==";
        else if (key !== "none") headers.authorization = `Bearer ${keys[key]}`;
        if (req.body !== undefined) headers["content-type"] ??= "application/json";
        const res = await fetch(new URL(req.path, t.url), {
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
        });
        const text = await res.text();
        const context = `${req.kind}: ${req.method} ${req.path} ${req.body?.slice(0, 200) ?? ""} -> ${res.status} ${text.slice(0, 300)}`;
        expect(req.expect, context).toContain(res.status);
        expect(res.headers.get("content-type"), context).toMatch(/^application\/json/);
        const body = JSON.parse(text);
        expect(typeof body.error?.code, context).toBe("string");
        expect(typeof body.error?.message, context).toBe("string");
      }),
      { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    // Still answering, and still working.
    expect((await t.api("GET", "/healthz", { key: null })).status).toBe(200);
    expect((await t.api("GET", "/readyz", { key: null })).status).toBe(200);
    expect(await snapshot(t.server.store, [projectId])).toBe(before);
    const ok = await t.api("POST", "/api/v1/events/batch", { body: { events: [sdkEvent()] } });
    expect(ok.body).toEqual({ accepted: 1, duplicates: 0 });
    for (const kind of [
      "bad key",
      "malformed JSON",
      "wrong type",
      "oversized",
      "unknown id",
      "bad event in batch",
      "invalid Cedar",
    ]) {
      expect(counts[kind] ?? 0, kind).toBeGreaterThan(0);
    }
  });
});
