import { Worker } from "node:worker_threads";
import { compilePolicySetSync, eventToCedarRequest, loadCedar, REQUEST_MODEL_SCHEMA } from "@trusera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReplayReport, ReplayService } from "../src/policies/replay-service.js";
import type { StoredEvent } from "../src/store/types.js";
import { BACKENDS } from "./backends.js";
import { sdkEvent, startTestServer, type TestServer } from "./helpers.js";

// POST /api/v1/policies/replay against every stored event decided one by one by the official engine
// (cedar-wasm, not the compiled evaluator the server uses), read back through the store: the report's
// counts and examples must be the same. 12,000 events cross many of the store's scan pages and the
// memo's trial (10,000 lookups: mostly distinct events, so it is dropped); the replay of one agent that
// repeats itself keeps the memo on. Types of every kind, events with no agent, warn and no decision.

const COUNT = 12_000;
const AGENTS = ["agent-0", "agent-1", "agent-2"];
const HOSTS = ["api.example", "evil.example", "internal.corp", "filler-3.example"];
// Over 50 policies: such a set compiles in slices, which the replay must wait for.
const CANDIDATE = [
  '@id("no-evil")\nforbid (principal, action == Action::"api_call", resource) when { resource.hostname == "evil.example" };',
  '@id("no-admin")\nforbid (principal, action == Action::"api_call", resource) when { context.path like "/admin/*" };',
  '@id("no-rm")\nforbid (principal, action == Action::"tool_call", resource == Tool::"rm");',
  '@id("agent-1-no-tools")\nforbid (principal == Agent::"agent-1", action == Action::"tool_call", resource);',
  '@id("no-anthropic")\nforbid (principal, action == Action::"llm_invoke", resource) when { context.provider == "anthropic" };',
  ...Array.from(
    { length: 50 },
    (_, i) =>
      `@id("filler-${i}")\nforbid (principal, action == Action::"api_call", resource) when { resource.hostname == "filler-${i}.example" };`,
  ),
].join("\n\n");

const decisionOf = (i: number) => (["allow", "deny", "warn", undefined] as const)[i % 4];

function eventAt(i: number, timestamp: string): Record<string, unknown> {
  const agent = i % 13 === 0 ? undefined : AGENTS[i % 3];
  const decision = decisionOf(i);
  const metadata = decision ? { decision } : {};
  const base = { timestamp, ...(agent ? { agent_id: agent } : {}) };
  const k = i % 20;
  if (k < 14) {
    const url = `https://${HOSTS[i % 4]}/${i % 7 === 0 ? "admin" : "v1"}/items/${i}?q=${i}`;
    return sdkEvent({
      ...base,
      type: "api_call",
      name: `GET ${url}`,
      payload: { url, method: i % 5 ? "GET" : "POST", request_headers: { "x-n": String(i % 3) } },
      metadata,
    });
  }
  if (k < 16)
    return sdkEvent({ ...base, type: "tool_call", name: i % 2 ? "rm" : "ls", payload: { args: [i] } });
  if (k < 18)
    return sdkEvent({
      ...base,
      type: "llm_invoke",
      name: "gpt",
      payload: { model: "m-1" },
      // The same payload with another provider: another request.
      metadata: { ...metadata, provider: Math.floor(i / 20) % 2 ? "anthropic" : "openai" },
    });
  if (k === 18) return sdkEvent({ ...base, type: "policy_violation", name: "denied", payload: { i } });
  return sdkEvent({ ...base, type: "file_write", name: `/tmp/f${i}`, payload: { path: `/tmp/f${i}` } });
}

/** The replay's second thread from the TypeScript sources (the built server starts dist/replay-thread.js). */
const sourceThread = () =>
  new Worker(
    `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(
      new URL("../src/policies/replay-thread.ts", import.meta.url).href,
    )}); });`,
    { eval: true },
  );

/** A repeating agent: the same few events again and again. */
function repeatAt(i: number, timestamp: string): Record<string, unknown> {
  const url = `https://${HOSTS[i % 2]}/v1/same`;
  return sdkEvent({
    timestamp,
    agent_id: "repeat-bot",
    type: "api_call",
    name: `GET ${url}`,
    payload: { url, method: "GET" },
    metadata: { decision: "allow" },
  });
}

describe.each(BACKENDS)("replay equals deciding each stored event ($name)", (backend) => {
  let t: TestServer;
  let cleanup: () => Promise<void>;
  let projectId: string;
  const start = Date.parse("2026-01-01T00:00:00Z");

  beforeAll(async () => {
    const setup = await backend.setup();
    cleanup = setup.cleanup;
    t = await startTestServer({ ...setup.overrides, bodyLimit: 5 * 1024 * 1024 });
    projectId = (await t.server.store.findProjectByName("default"))!.id;
    const events: Record<string, unknown>[] = [];
    // Three events per millisecond: ties on the time, ordered by id.
    for (let i = 0; i < COUNT; i++)
      events.push(eventAt(i, new Date(start + Math.floor(i / 3)).toISOString()));
    for (let i = 0; i < 300; i++) events.push(repeatAt(i, new Date(start + i).toISOString()));
    for (let i = 0; i < events.length; i += 1000) {
      const res = await t.api("POST", "/api/v1/events/batch", {
        body: { events: events.slice(i, i + 1000) },
      });
      expect(res.body.accepted, JSON.stringify(res.body)).toBe(Math.min(1000, events.length - i));
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });

  /** The report as deciding each stored event of the window (newest first) one by one would make it. */
  async function expected(
    agentId: string | undefined,
    maxEvents: number,
    maxExamples: number,
    candidate = CANDIDATE,
  ) {
    const store = t.server.store;
    const stored: StoredEvent[] = [];
    let after: { ts: number; id: string } | undefined;
    for (;;) {
      const page = await store.listEvents(projectId, {
        limit: 1000,
        ...(agentId ? { agentId } : {}),
        ...(after ? { after } : {}),
      });
      stored.push(...page);
      if (page.length < 1000) break;
      after = page.at(-1)!;
    }
    const compiled = compilePolicySetSync(await loadCedar(), candidate, {
      defaultDecision: "allow",
      schema: REQUEST_MODEL_SCHEMA,
      evaluator: "engine",
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const names = new Map<string, string>();
    const r = {
      events_scanned: 0,
      evaluated: 0,
      skipped: 0,
      unchanged: 0,
      changed: 0,
      allow_to_deny: 0,
      deny_to_allow: 0,
      denied_by_policy: {} as Record<string, number>,
      examples: { allow_to_deny: [] as string[], deny_to_allow: [] as string[] },
      truncated: stored.length > maxEvents,
    };
    for (const e of stored.slice(0, maxEvents)) {
      r.events_scanned++;
      if (e.agentId && !names.has(e.agentId))
        names.set(e.agentId, (await store.findAgent(projectId, e.agentId))!.name);
      const request = eventToCedarRequest({
        type: e.type as never,
        name: e.name,
        payload: JSON.parse(e.payload),
        metadata: JSON.parse(e.metadata),
        agent_id: e.agentId ? names.get(e.agentId)! : null,
      });
      if (!request) {
        r.skipped++;
        continue;
      }
      r.evaluated++;
      const answer = compiled.policySet.evaluateWithEngine(request);
      const recorded = e.decision === "deny" || e.decision === "warn" ? "deny" : "allow";
      if (answer.decision === recorded) {
        r.unchanged++;
        continue;
      }
      r.changed++;
      const direction = recorded === "allow" ? "allow_to_deny" : "deny_to_allow";
      r[direction]++;
      if (direction === "allow_to_deny")
        for (const id of answer.policyIds) r.denied_by_policy[id] = (r.denied_by_policy[id] ?? 0) + 1;
      if (r.examples[direction].length < maxExamples) r.examples[direction].push(e.id);
    }
    return r;
  }

  async function replay(body: Record<string, unknown>): Promise<ReplayReport> {
    const res = await t.api("POST", "/api/v1/policies/replay", {
      body: { policies: CANDIDATE, since: "2025-12-31T00:00:00Z", max_examples: 7, ...body },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  /** The report's counts and example ids: what deciding the events one by one must give. */
  const comparable = (r: ReplayReport) => ({
    events_scanned: r.events_scanned,
    evaluated: r.evaluated,
    skipped: r.skipped,
    unchanged: r.unchanged,
    changed: r.changed,
    allow_to_deny: r.allow_to_deny,
    deny_to_allow: r.deny_to_allow,
    denied_by_policy: r.denied_by_policy,
    examples: {
      allow_to_deny: r.examples.allow_to_deny.map((x) => x.event_id),
      deny_to_allow: r.examples.deny_to_allow.map((x) => x.event_id),
    },
    truncated: r.truncated,
  });

  it("over the whole window, and over the part a max_events bound leaves", async () => {
    const whole = await replay({ max_events: 1_000_000 });
    const want = await expected(undefined, 1_000_000, 7);
    expect(want.events_scanned).toBe(COUNT + 300);
    expect(want.changed).toBeGreaterThan(1000);
    expect(Object.keys(want.denied_by_policy).sort()).toEqual([
      "agent-1-no-tools",
      "filler-3",
      "no-admin",
      "no-anthropic",
      "no-evil",
      "no-rm",
    ]);
    expect(comparable(whole)).toEqual(want);
    // Events that repeat the stored texts of another are decided once, until the memo is dropped.
    expect(whole.engine_calls).toBeLessThan(whole.evaluated);

    const bounded = await replay({ max_events: 10_001 });
    const wantBounded = await expected(undefined, 10_001, 7);
    expect(wantBounded.truncated).toBe(true);
    expect(comparable(bounded)).toEqual(wantBounded);

    // The candidate stays compiled between replays of the same text (replay-service.ts): after an
    // invalid one and another one, the first answers as before.
    const bad = await t.api("POST", "/api/v1/policies/replay", {
      body: {
        policies: 'forbid (principal, action == Action::"api_call", resource) when {',
        since: "2025-12-31T00:00:00Z",
      },
    });
    expect(bad.status).toBe(400);
    const other = `${CANDIDATE}\n\n@id("no-ls")\nforbid (principal, action == Action::"tool_call", resource == Tool::"ls");`;
    const another = await replay({ policies: other, max_events: 1_000_000 });
    expect(comparable(another)).toEqual(await expected(undefined, 1_000_000, 7, other));
    expect(another.denied_by_policy["no-ls"]).toBeGreaterThan(0);
    expect(comparable(await replay({ max_events: 1_000_000 }))).toEqual(want);
  }, 120_000);

  it("over one agent that repeats itself: each distinct event decided once", async () => {
    const one = await replay({ agent_id: "repeat-bot", max_events: 1_000_000 });
    const want = await expected((await t.server.store.findAgent(projectId, "repeat-bot"))!.id, 1_000_000, 7);
    expect(comparable(one)).toEqual(want);
    expect(want.allow_to_deny).toBe(150);
    expect(one.engine_calls).toBe(2);
  }, 60_000);

  // A large window on SQLite is shared with a second thread, part by part (here from any size on).
  // Postgres has no such path: the test is not declared there (rather than reported as skipped).
  if (backend.name === "sqlite")
    it("on two threads, part by part: the same report", async () => {
      const threaded = new ReplayService(t.server.store, { from: 0, start: sourceThread, adaptive: false });
      const run = (maxEvents: number, agentId?: string, policies = CANDIDATE) =>
        threaded.run(projectId, {
          candidate: { policies, schema: null, defaultDecision: "allow" },
          since: Date.parse("2025-12-31T00:00:00Z") * 1000,
          until: Date.now() * 1000,
          ...(agentId ? { agentId } : {}),
          maxExamples: 7,
          maxEvents,
        });
      try {
        const whole = await run(1_000_000);
        expect(comparable(whole)).toEqual(await expected(undefined, 1_000_000, 7));
        // Bounds that cut a part, and that fall on the end of one (parts of 12,300 / 16 = 769 events).
        for (const max of [10_001, 769 * 3])
          expect(comparable(await run(max))).toEqual(await expected(undefined, max, 7));
        const agent = (await t.server.store.findAgent(projectId, "agent-1"))!.id;
        expect(comparable(await run(1_000_000, agent))).toEqual(await expected(agent, 1_000_000, 7));
        // The second thread counted parts of each window (a failed thread's parts are counted here).
        expect(threaded.partsOnThread).toBeGreaterThanOrEqual(4);
        // A policy that fails to evaluate (an overflow) on the calls to one host: only the engine words
        // the error, so the thread leaves each part holding one of them (here every part) to this one.
        const failing = `${CANDIDATE}\n\n@id("overflow")\nforbid (principal, action == Action::"api_call", resource) when { resource.hostname == "internal.corp" && resource.port * 1000000000 * 1000000000 * 1000 > 0 };`;
        const before = threaded.partsOnThread;
        const overflowed = await run(1_000_000, undefined, failing);
        expect(comparable(overflowed)).toEqual(await expected(undefined, 1_000_000, 7, failing));
        expect(
          overflowed.examples.deny_to_allow.some((x) => x.errors.some((e) => e.includes("overflow"))),
        ).toBe(true);
        expect(threaded.partsOnThread).toBe(before);
        // A thread that dies: this one counts every part.
        const dying = new ReplayService(t.server.store, {
          from: 0,
          start: () => new Worker("process.exit(3)", { eval: true }),
          adaptive: false,
        });
        try {
          const alone = await dying.run(projectId, {
            candidate: { policies: CANDIDATE, schema: null, defaultDecision: "allow" },
            since: Date.parse("2025-12-31T00:00:00Z") * 1000,
            until: Date.now() * 1000,
            maxExamples: 7,
            maxEvents: 10_001,
          });
          expect(comparable(alone)).toEqual(await expected(undefined, 10_001, 7));
          expect(dying.partsOnThread).toBe(0);
        } finally {
          await dying.close();
        }
        // The same report as on one thread, field by field, but for the window's end, the time it took
        // and the decisions made (each thread keeps its own memo).
        const { duration_ms: _a, window: _w, engine_calls: _e, ...shared } = whole;
        const {
          duration_ms: _b,
          window: _v,
          engine_calls: _f,
          ...single
        } = await replay({ max_events: 1_000_000 });
        expect(shared).toEqual(single);
      } finally {
        await threaded.close();
      }
    }, 120_000);
});
