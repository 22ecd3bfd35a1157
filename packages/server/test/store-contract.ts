import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { IngestBatch, NewPolicyVersion, Store, StoredEvent } from "../src/store/types.js";
import { dashboardStoreContract } from "./store-contract-dashboard.js";

/**
 * The one contract every Store implementation must meet. Each backend's test file calls this with a
 * factory that gives a fresh, migrated, empty store (see store-sqlite.test.ts, store-postgres.test.ts).
 */
export function storeContract(
  name: string,
  fresh: () => Promise<{ store: Store; dispose: () => Promise<void> }>,
) {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const { store, dispose } = await fresh();
    try {
      await fn(store);
    } finally {
      await dispose();
    }
  };

  const T0 = 1_700_000_000_000_000; // µs
  let n = 0;
  const event = (over: Partial<StoredEvent> = {}): StoredEvent => ({
    id: randomUUID(),
    agentId: null,
    type: "tool_call",
    name: "search",
    ts: T0 + ++n,
    receivedAt: T0 + 1_000_000,
    payload: '{"q":"x"}',
    metadata: "{}",
    decision: null,
    ...over,
  });
  const batch = (events: StoredEvent[], over: Partial<IngestBatch> = {}): IngestBatch => ({
    events,
    dropped: 0,
    dropsAgentId: null,
    ...over,
  });
  const policy = (over: Partial<NewPolicyVersion> = {}): NewPolicyVersion => ({
    policies: "forbid (principal, action, resource);",
    digest: "sha256:00",
    schema: null,
    defaultDecision: "allow",
    description: null,
    authorKeyId: "key_1",
    ...over,
  });

  describe(`Store contract: ${name}`, () => {
    it(
      "migrates idempotently and answers ping",
      withStore(async (store) => {
        await store.migrate();
        await store.ping();
        expect(["sqlite", "postgres"]).toContain(store.dialect);
      }),
    );

    it(
      "creates and finds projects; names are unique",
      withStore(async (store) => {
        const p = await store.createProject("alpha");
        expect(await store.findProjectByName("alpha")).toEqual(p);
        expect(await store.getProject(p.id)).toEqual(p);
        expect(await store.getProject("prj_nope")).toBeNull();
        await expect(store.createProject("alpha")).rejects.toThrow();
      }),
    );

    it(
      "keeps keys by hash, scoped to their project for listing and revoking",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        const k = await store.createApiKey({ projectId: a.id, role: "ingest", hash: "h1", prefix: "abc123" });
        expect(k).toMatchObject({
          projectId: a.id,
          role: "ingest",
          prefix: "abc123",
          label: null,
          revokedAt: null,
        });
        expect((await store.findActiveKeyByHash("h1"))?.id).toBe(k.id);
        expect(await store.findActiveKeyByHash("h2")).toBeNull();
        expect((await store.listApiKeys(a.id)).map((x) => x.id)).toEqual([k.id]);
        expect(await store.listApiKeys(b.id)).toEqual([]);
        expect(await store.revokeApiKey(b.id, k.id)).toBe(false);
        expect(await store.revokeApiKey(a.id, k.id)).toBe(true);
        expect(await store.revokeApiKey(a.id, k.id)).toBe(false);
        expect(await store.findActiveKeyByHash("h1")).toBeNull();
        expect((await store.listApiKeys(a.id))[0]?.revokedAt).not.toBeNull();
        expect(await store.countApiKeys()).toBe(1);
      }),
    );

    it(
      "creates the first key once, even when asked concurrently",
      withStore(async (store) => {
        const results = await Promise.all(
          [1, 2, 3].map((i) =>
            store.createFirstApiKey({
              projectName: "default",
              hash: `first${i}`,
              prefix: "p",
              label: "first",
            }),
          ),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect(await store.countApiKeys()).toBe(1);
        expect(
          await store.createFirstApiKey({ projectName: "x", hash: "later", prefix: "p", label: "l" }),
        ).toBeNull();
      }),
    );

    it(
      "finds or creates agents by name, per project",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        const x = await store.upsertAgent(a.id, "bot", "custom");
        expect(await store.upsertAgent(a.id, "bot", "other")).toEqual(x);
        const y = await store.upsertAgent(b.id, "bot", "custom");
        expect(y.id).not.toBe(x.id);
        expect((await store.findAgent(a.id, x.id))?.name).toBe("bot");
        expect((await store.findAgent(a.id, "bot"))?.id).toBe(x.id);
        expect(await store.findAgent(b.id, x.id)).toBeNull();
        expect(await store.findAgent(a.id, "nobody")).toBeNull();
        const r = await store.registerAgent(a.id, {
          name: "bot",
          framework: "langchain",
          metadata: '{"env":"prod"}',
        });
        expect(r).toMatchObject({ id: x.id, framework: "langchain", metadata: '{"env":"prod"}' });
        const r2 = await store.registerAgent(a.id, { name: "bot", framework: "crewai" });
        expect(r2).toMatchObject({ id: x.id, framework: "crewai", metadata: '{"env":"prod"}' });
        expect(r2.droppedEvents).toBe(0);
      }),
    );

    it(
      "searches name and payload text case-insensitively, with LIKE wildcards taken literally",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        await store.ingestEvents(
          a.id,
          batch([
            event({ name: "GET Example.COM", payload: '{"u":"/x"}' }),
            event({ name: "n", payload: '{"path":"/srv/Secret_File.txt"}' }),
            event({ name: "100% done", payload: "{}" }),
            event({ name: "other", payload: '{"k":"v"}' }),
          ]),
        );
        await store.ingestEvents(b.id, batch([event({ name: "example.com in b" })]));
        const names = async (text: string) =>
          (await store.listEvents(a.id, { text, limit: 10 })).map((e) => e.name).sort();
        expect(await names("example.com")).toEqual(["GET Example.COM"]);
        expect(await names("secret_file")).toEqual(["n"]);
        expect(await names("0%")).toEqual(["100% done"]);
        expect(await names("_")).toEqual(["n"]);
        expect(await names("nowhere")).toEqual([]);
      }),
    );

    it(
      "lists agents by name, a page at a time",
      withStore(async (store) => {
        const a = await store.createProject("a");
        for (const name of ["c", "a", "d", "b"]) await store.upsertAgent(a.id, name, "custom");
        const first = await store.listAgents(a.id, { limit: 3 });
        expect(first.map((x) => x.name)).toEqual(["a", "b", "c"]);
        const next = await store.listAgents(a.id, { limit: 3, afterName: "c" });
        expect(next.map((x) => x.name)).toEqual(["d"]);
        expect((await store.listAgents(a.id)).length).toBe(4);
      }),
    );

    it(
      "records heartbeats only for the project's own agents",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        const x = await store.upsertAgent(a.id, "bot", "custom");
        expect(await store.recordHeartbeat(b.id, x.id)).toBe(false);
        expect(await store.recordHeartbeat(a.id, "agt_missing")).toBe(false);
        expect(await store.recordHeartbeat(a.id, x.id, '{"pid":1}')).toBe(true);
        const after = (await store.findAgent(a.id, x.id))!;
        expect(after.lastHeartbeatAt).not.toBeNull();
        expect(after.metadata).toBe('{"pid":1}');
      }),
    );

    it(
      "stores a batch, counting duplicates within and across batches",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const e1 = event();
        const e2 = event();
        expect(await store.ingestEvents(a.id, batch([e1, e2, { ...e1 }]))).toEqual({
          accepted: 2,
          duplicates: 1,
        });
        expect(await store.ingestEvents(a.id, batch([e2, event()]))).toEqual({ accepted: 1, duplicates: 1 });
        // The same id in another project is another event.
        const b = await store.createProject("b");
        expect(await store.ingestEvents(b.id, batch([e1]))).toEqual({ accepted: 1, duplicates: 0 });
        const stored = await store.getEvent(a.id, e1.id);
        expect(stored).toEqual(e1);
        expect(await store.getEvent(b.id, e2.id)).toBeNull();
      }),
    );

    it(
      "stores batches larger than one insert statement",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const events = Array.from({ length: 1000 }, () => event());
        expect(await store.ingestEvents(a.id, batch(events))).toEqual({ accepted: 1000, duplicates: 0 });
        expect((await store.listEvents(a.id, { limit: 1000 })).length).toBe(1000);
      }),
    );

    it(
      "answers a repeated Idempotency-Key with the first result and stores nothing again",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const agent = await store.upsertAgent(a.id, "bot", "custom");
        const events = [event({ agentId: agent.id }), event({ agentId: agent.id })];
        const first = await store.ingestEvents(
          a.id,
          batch(events, { idempotencyKey: "k1", dropped: 5, dropsAgentId: agent.id }),
        );
        expect(first).toEqual({ accepted: 2, duplicates: 0 });
        const again = await store.ingestEvents(
          a.id,
          batch([...events, event()], { idempotencyKey: "k1", dropped: 5, dropsAgentId: agent.id }),
        );
        expect(again).toEqual(first);
        expect((await store.listEvents(a.id, { limit: 10 })).length).toBe(2);
        const after = (await store.findAgent(a.id, agent.id))!;
        expect(after.droppedEvents).toBe(5);
        expect(after.lastSeenAt).not.toBeNull();
        // Keys are per project.
        const b = await store.createProject("b");
        expect(await store.ingestEvents(b.id, batch([event()], { idempotencyKey: "k1" }))).toEqual({
          accepted: 1,
          duplicates: 0,
        });
      }),
    );

    it(
      "stores a batch once when the same Idempotency-Key arrives concurrently",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const events = Array.from({ length: 50 }, () => event());
        const results = await Promise.all(
          [1, 2, 3, 4].map(() => store.ingestEvents(a.id, batch(events, { idempotencyKey: "same" }))),
        );
        for (const r of results) expect(r).toEqual({ accepted: 50, duplicates: 0 });
        expect((await store.listEvents(a.id, { limit: 100 })).length).toBe(50);
      }),
    );

    it(
      "keeps concurrent batches atomic each: a failing batch stores nothing, the others commit",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const good1 = [event(), event()];
        const bad = [event(), { ...event(), type: null as unknown as string }];
        const good2 = [event()];
        const results = await Promise.allSettled([
          store.ingestEvents(a.id, batch(good1)),
          store.ingestEvents(a.id, batch(bad)),
          store.ingestEvents(a.id, batch(good2)),
        ]);
        expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
        const ids = (await store.listEvents(a.id, { limit: 10 })).map((e) => e.id).sort();
        expect(ids).toEqual([...good1, ...good2].map((e) => e.id).sort());
      }),
    );

    it(
      "lists events newest first with every filter and a cursor",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const x = await store.upsertAgent(a.id, "x", "custom");
        const y = await store.upsertAgent(a.id, "y", "custom");
        const events = [
          event({ agentId: x.id, ts: T0 + 10, type: "api_call", decision: "allow" }),
          event({ agentId: x.id, ts: T0 + 20, type: "api_call", decision: "deny" }),
          event({ agentId: y.id, ts: T0 + 30, type: "tool_call" }),
          event({ agentId: x.id, ts: T0 + 30, type: "tool_call" }),
          event({ agentId: null, ts: T0 + 40, type: "decision" }),
        ];
        await store.ingestEvents(a.id, batch(events));
        const all = await store.listEvents(a.id, { limit: 10 });
        expect(all.map((e) => e.ts)).toEqual([T0 + 40, T0 + 30, T0 + 30, T0 + 20, T0 + 10]);
        expect((await store.listEvents(a.id, { limit: 10, agentId: x.id })).length).toBe(3);
        expect((await store.listEvents(a.id, { limit: 10, type: "api_call" })).length).toBe(2);
        expect((await store.listEvents(a.id, { limit: 10, decision: "deny" })).map((e) => e.id)).toEqual([
          events[1]!.id,
        ]);
        expect((await store.listEvents(a.id, { limit: 10, decision: "none" })).length).toBe(3);
        expect((await store.listEvents(a.id, { limit: 10, since: T0 + 20, until: T0 + 40 })).length).toBe(3);
        // Paging through with the last event as cursor visits each event once, ties on ts included.
        const seen: string[] = [];
        let after: { ts: number; id: string } | undefined;
        for (;;) {
          const page = await store.listEvents(a.id, { limit: 2, ...(after ? { after } : {}) });
          seen.push(...page.map((e) => e.id));
          if (page.length < 2) break;
          after = page.at(-1)!;
        }
        expect(seen).toEqual(all.map((e) => e.id));
        // A cursor with a window: whichever of `until` and the cursor bounds it, both hold.
        const [, , third] = all;
        const windowed = (until: number) =>
          store.listEvents(a.id, { limit: 10, since: T0 + 20, until, after: third! });
        expect((await windowed(T0 + 50)).map((e) => e.ts)).toEqual([T0 + 20]);
        expect((await windowed(T0 + 20)).map((e) => e.ts)).toEqual([]);
        const other = await store.createProject("b");
        expect(await store.listEvents(other.id, { limit: 10 })).toEqual([]);
      }),
    );

    it(
      "scans a window in pages, newest first, as listEvents lists it",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const x = await store.upsertAgent(a.id, "x", "custom");
        // Ties on ts, ids of both forms (UUIDs and other text), every column filled or null.
        const events = Array.from({ length: 23 }, (_, i) =>
          event({
            // A text id of 32 hex digits, like an OTLP one, is not a UUID's bytes.
            id: i === 3 ? "0123456789abcdef0123456789abcdef" : i % 5 === 0 ? `evt-${i}` : randomUUID(),
            ts: T0 + 100 + Math.floor(i / 3),
            agentId: i % 2 ? x.id : null,
            type: i % 3 ? "api_call" : "tool_call",
            name: `call ${i}`,
            payload: JSON.stringify({ i }),
            metadata: JSON.stringify({ m: i }),
            decision: i % 4 ? "allow" : null,
          }),
        );
        await store.ingestEvents(a.id, batch(events));
        const scanned = async (q: Parameters<Store["scanEvents"]>[1]) => {
          const pages: number[] = [];
          const out: unknown[] = [];
          for await (const page of store.scanEvents(a.id, q)) {
            pages.push(page.length);
            out.push(...page);
          }
          return { pages, out };
        };
        const listed = async (q: Omit<Parameters<Store["listEvents"]>[1], "limit">) =>
          (await store.listEvents(a.id, { ...q, limit: 100 })).map(({ receivedAt, ...e }) => e);
        const all = await scanned({ limit: 1000, pageSize: 5 });
        expect(all.pages).toEqual([5, 5, 5, 5, 3]);
        expect(all.out).toEqual(await listed({}));
        // The limit bounds the whole scan; a page size that divides the window ends without an empty page.
        const bounded = await scanned({ limit: 12, pageSize: 5 });
        expect(bounded.pages).toEqual([5, 5, 2]);
        expect(bounded.out).toEqual((await listed({})).slice(0, 12));
        expect((await scanned({ limit: 1000, pageSize: 23 })).pages).toEqual([23]);
        // Filters as listEvents has them.
        const window = { since: T0 + 102, until: T0 + 106, agentId: x.id };
        expect((await scanned({ ...window, limit: 1000, pageSize: 2 })).out).toEqual(await listed(window));
        expect((await scanned({ limit: 1000 })).out).toEqual(await listed({}));
        // Stopping the iteration stops the reads; another project's scan sees nothing.
        let seen = 0;
        for await (const page of store.scanEvents(a.id, { limit: 1000, pageSize: 4 })) {
          seen += page.length;
          break;
        }
        expect(seen).toBe(4);
        const b = await store.createProject("b");
        expect((await scanned({ limit: 1000 })).out.length).toBe(23);
        for await (const _ of store.scanEvents(b.id, { limit: 1000 })) throw new Error("a page of nothing");
      }),
    );

    it(
      "summarizes events by type and decision",
      withStore(async (store) => {
        const a = await store.createProject("a");
        await store.ingestEvents(
          a.id,
          batch([
            event({ type: "api_call", decision: "allow" }),
            event({ type: "api_call", decision: "allow" }),
            event({ type: "api_call", decision: "deny" }),
            event({ type: "tool_call" }),
          ]),
        );
        expect(await store.summarizeEvents(a.id, {})).toEqual([
          { type: "api_call", decision: "allow", count: 2 },
          { type: "api_call", decision: "deny", count: 1 },
          { type: "tool_call", decision: null, count: 1 },
        ]);
        const b = await store.createProject("b");
        expect(await store.summarizeEvents(b.id, {})).toEqual([]);
      }),
    );

    it(
      "purges events older than the cutoff in every project, and old idempotency records",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        const old = [event({ ts: T0 - 10 }), event({ ts: T0 - 5 })];
        const fresh = event({ ts: T0 + 10 });
        await store.ingestEvents(a.id, batch([...old, fresh], { idempotencyKey: "old" }));
        await store.ingestEvents(b.id, batch([event({ ts: T0 - 1 })]));
        const result = await store.purgeExpired({
          eventsBefore: T0,
          idempotencyKeysBefore: Date.now() + 1000,
          limit: 1000,
        });
        expect(result).toEqual({ events: 3, idempotencyKeys: 1 });
        expect((await store.listEvents(a.id, { limit: 10 })).map((e) => e.id)).toEqual([fresh.id]);
        expect(await store.listEvents(b.id, { limit: 10 })).toEqual([]);
        // The idempotency record is gone, so the same key stores anew (the events are duplicates now).
        expect(await store.ingestEvents(a.id, batch([fresh], { idempotencyKey: "old" }))).toEqual({
          accepted: 0,
          duplicates: 1,
        });
        expect(
          await store.purgeExpired({ eventsBefore: null, idempotencyKeysBefore: 0, limit: 1000 }),
        ).toEqual({ events: 0, idempotencyKeys: 0 });
      }),
    );

    it(
      "lists the projects that have events, in id order",
      withStore(async (store) => {
        expect(await store.projectsWithEvents()).toEqual([]);
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        await store.createProject("empty");
        await store.ingestEvents(b.id, batch([event()]));
        await store.ingestEvents(a.id, batch([event(), event()]));
        expect(await store.projectsWithEvents()).toEqual([a.id, b.id].sort());
      }),
    );

    it(
      "purges at most `limit` events per call",
      withStore(async (store) => {
        const a = await store.createProject("a");
        await store.ingestEvents(a.id, batch(Array.from({ length: 25 }, () => event({ ts: T0 - 100 }))));
        const r1 = await store.purgeExpired({ eventsBefore: T0, idempotencyKeysBefore: 0, limit: 10 });
        expect(r1.events).toBe(10);
        expect((await store.listEvents(a.id, { limit: 100 })).length).toBe(15);
      }),
    );

    it(
      "keeps immutable, numbered policy versions per project",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        const v1 = await store.createPolicyVersion(a.id, policy({ description: "first" }));
        const v2 = await store.createPolicyVersion(
          a.id,
          policy({ defaultDecision: "deny", schema: "entity X;" }),
        );
        const w1 = await store.createPolicyVersion(b.id, policy());
        expect([v1.number, v2.number, w1.number]).toEqual([1, 2, 1]);
        expect(await store.getPolicyVersion(a.id, v2.id)).toEqual(v2);
        expect(v2).toMatchObject({ defaultDecision: "deny", schema: "entity X;", authorKeyId: "key_1" });
        expect(await store.getPolicyVersion(b.id, v1.id)).toBeNull();
        expect((await store.listPolicyVersions(a.id, { limit: 10 })).map((v) => v.number)).toEqual([2, 1]);
        expect(
          (await store.listPolicyVersions(a.id, { limit: 10, beforeNumber: 2 })).map((v) => v.id),
        ).toEqual([v1.id]);
      }),
    );

    it(
      "numbers versions without gaps or clashes when created concurrently",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const made = await Promise.all(
          Array.from({ length: 8 }, () => store.createPolicyVersion(a.id, policy())),
        );
        expect(made.map((v) => v.number).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      }),
    );

    it(
      "activates one version at a time and rolls back like a stack",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        expect(await store.getActivePolicy(a.id)).toBeNull();
        expect(await store.rollbackPolicy(a.id, "k")).toEqual({ ok: false, reason: "no_active_version" });
        const [v1, v2, v3] = [
          await store.createPolicyVersion(a.id, policy()),
          await store.createPolicyVersion(a.id, policy()),
          await store.createPolicyVersion(a.id, policy()),
        ];
        expect(await store.activatePolicyVersion(b.id, v1!.id, "k")).toBeNull();
        expect(await store.activatePolicyVersion(a.id, "pol_missing", "k")).toBeNull();
        const act1 = await store.activatePolicyVersion(a.id, v1!.id, "k");
        expect(act1?.version.id).toBe(v1!.id);
        expect(await store.rollbackPolicy(a.id, "k")).toEqual({ ok: false, reason: "nothing_to_roll_back" });
        // Activating the active version again changes nothing.
        expect((await store.activatePolicyVersion(a.id, v1!.id, "k"))?.activation.seq).toBe(
          act1!.activation.seq,
        );
        await store.activatePolicyVersion(a.id, v2!.id, "k");
        await store.activatePolicyVersion(a.id, v3!.id, "k2");
        expect((await store.getActivePolicy(a.id))?.version.id).toBe(v3!.id);
        expect((await store.getActivePolicy(a.id))?.activation).toMatchObject({
          kind: "activate",
          activatedBy: "k2",
        });
        expect(await store.getActivePolicy(b.id)).toBeNull();
        const r1 = await store.rollbackPolicy(a.id, "k3");
        expect(r1.ok && r1.version.id).toBe(v2!.id);
        const r2 = await store.rollbackPolicy(a.id, "k3");
        expect(r2.ok && r2.version.id).toBe(v1!.id);
        expect(await store.rollbackPolicy(a.id, "k3")).toEqual({ ok: false, reason: "nothing_to_roll_back" });
        expect((await store.getActivePolicy(a.id))?.activation).toMatchObject({
          kind: "rollback",
          activatedBy: "k3",
        });
        const history = await store.listPolicyActivations(a.id, 10);
        expect(history.map((h) => [h.versionId, h.kind])).toEqual([
          [v1!.id, "rollback"],
          [v2!.id, "rollback"],
          [v3!.id, "activate"],
          [v2!.id, "activate"],
          [v1!.id, "activate"],
        ]);
        expect(await store.listPolicyActivations(b.id, 10)).toEqual([]);
      }),
    );

    it(
      "records suggestion rejections per project; the latest of each suggestion wins",
      withStore(async (store) => {
        const a = await store.createProject("a");
        const b = await store.createProject("b");
        const reject = (projectId: string, suggestionId: string, evidenceCount: number, by = "key_1") =>
          store.suggestions.recordRejection(projectId, {
            suggestionId,
            evidenceFingerprint: `fp${evidenceCount}`,
            evidenceCount,
            rejectedBy: by,
          });
        expect(await store.suggestions.latestRejections(a.id)).toEqual([]);
        const first = await reject(a.id, "S-000000000001", 5);
        expect(first).toMatchObject({ projectId: a.id, suggestionId: "S-000000000001", rejectedBy: "key_1" });
        await reject(a.id, "S-000000000002", 3);
        const again = await reject(a.id, "S-000000000001", 12, "key_2");
        await reject(b.id, "S-000000000001", 1);
        expect(await store.suggestions.latestRejections(a.id)).toEqual([
          again,
          expect.objectContaining({
            suggestionId: "S-000000000002",
            evidenceCount: 3,
            evidenceFingerprint: "fp3",
          }),
        ]);
        expect((await store.suggestions.latestRejections(b.id)).map((r) => r.evidenceCount)).toEqual([1]);
      }),
    );

    dashboardStoreContract(withStore);
  });
}
