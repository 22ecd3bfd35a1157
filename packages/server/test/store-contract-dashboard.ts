import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { AlertChannel, NewAlertRule, Store, StoredEvent, StoredReceipt } from "../src/store/types.js";

/**
 * The contract for what the dashboard, alerts and receipt upload added to the Store port: sessions,
 * alert rules, cooldowns and deliveries, uploaded receipt chains, histograms. Called inside
 * `storeContract` (store-contract.ts), so every backend runs it.
 */
export function dashboardStoreContract(
  withStore: (fn: (store: Store) => Promise<void>) => () => Promise<void>,
) {
  const T0 = 1_700_000_000_000_000; // µs
  const event = (over: Partial<StoredEvent> = {}): StoredEvent => ({
    id: randomUUID(),
    agentId: null,
    type: "tool_call",
    name: "search",
    ts: T0,
    receivedAt: T0,
    payload: "{}",
    metadata: "{}",
    decision: null,
    ...over,
  });
  const webhook: AlertChannel = { type: "webhook", url: "http://127.0.0.1:1/hook", secret: "whsec_x" };
  const rule = (over: Partial<NewAlertRule> = {}): NewAlertRule => ({
    name: "violations",
    kind: "violation",
    enabled: true,
    params: {},
    channels: [webhook, { type: "slack", url: "http://127.0.0.1:1/slack" }],
    cooldownSeconds: 60,
    ...over,
  });
  const hex = (n: number) => n.toString(16).padStart(64, "0");
  const receipt = (chainId: string, seq: number, over: Partial<StoredReceipt> = {}): StoredReceipt => ({
    hash: hex(1000 * seq + chainId.length),
    chainId,
    seq,
    prevHash: seq === 1 ? "0".repeat(64) : hex(1000 * (seq - 1) + chainId.length),
    receiptId: `TR-${seq}`,
    kid: "kid1",
    actorId: "agent-1",
    action: "execute",
    actionClass: "read",
    outcome: seq % 2 ? "allow" : "deny",
    executionStatus: "executed",
    occurredAt: `2026-11-22T00:00:0${seq}.000000Z`,
    body: `{"seq":${seq}}`,
    receivedAt: 1,
    ...over,
  });

  it(
    "keeps sessions until they expire or their key is revoked",
    withStore(async (store) => {
      const p = await store.createProject("a");
      const key = await store.createApiKey({ projectId: p.id, role: "admin", hash: "h", prefix: "p" });
      const now = Date.now();
      const s = await store.sessions.createSession({
        tokenHash: "t1",
        projectId: p.id,
        keyId: key.id,
        csrfToken: "c1",
        expiresAt: now + 60_000,
      });
      expect(await store.sessions.findSession("t1", now)).toEqual(s);
      expect(await store.sessions.findSession("t1", now + 60_000)).toBeNull();
      expect(await store.sessions.findSession("nope", now)).toBeNull();
      await store.sessions.createSession({
        tokenHash: "t2",
        projectId: p.id,
        keyId: null,
        csrfToken: "c2",
        expiresAt: now + 10,
      });
      expect((await store.sessions.findSession("t2", now))?.keyId).toBeNull();
      await store.revokeApiKey(p.id, key.id);
      expect(await store.sessions.findSession("t1", now)).toBeNull();
      expect(await store.sessions.purgeSessions(now + 20)).toBe(1);
      await store.sessions.deleteSession("t1");
      expect(await store.sessions.purgeSessions(now + 120_000)).toBe(0);
    }),
  );

  it(
    "keeps alert rules per project",
    withStore(async (store) => {
      const a = await store.createProject("a");
      const b = await store.createProject("b");
      const r = await store.alerts.createAlertRule(a.id, rule({ params: { agentId: "agt_1" } }));
      expect(await store.alerts.getAlertRule(a.id, r.id)).toEqual(r);
      expect(await store.alerts.getAlertRule(b.id, r.id)).toBeNull();
      expect(await store.alerts.listAlertRules(b.id)).toEqual([]);
      const silent = await store.alerts.createAlertRule(
        b.id,
        rule({ kind: "silent", params: { silentMinutes: 5 } }),
      );
      await store.alerts.createAlertRule(b.id, rule({ kind: "silent", enabled: false }));
      expect((await store.alerts.enabledAlertRules("silent")).map((x) => x.id)).toEqual([silent.id]);
      expect(await store.alerts.updateAlertRule(b.id, r.id, rule({ name: "x" }))).toBeNull();
      const changed = await store.alerts.updateAlertRule(
        a.id,
        r.id,
        rule({ name: "renamed", enabled: false }),
      );
      expect(changed).toMatchObject({ id: r.id, name: "renamed", enabled: false, createdAt: r.createdAt });
      expect(await store.alerts.deleteAlertRule(b.id, r.id)).toBe(false);
      expect(await store.alerts.deleteAlertRule(a.id, r.id)).toBe(true);
      expect(await store.alerts.listAlertRules(a.id)).toEqual([]);
    }),
  );

  it(
    "fires one condition once within its cooldown, even concurrently, with a delivery per channel",
    withStore(async (store) => {
      const a = await store.createProject("a");
      const r = await store.alerts.createAlertRule(a.id, rule());
      const fire = (key: string, now: number) =>
        store.alerts.fireAlert(a.id, {
          id: `alt_${randomUUID().slice(0, 8)}`,
          ruleId: r.id,
          conditionKey: key,
          now,
          cooldownMs: 60_000,
          payload: `{"key":"${key}"}`,
          channels: r.channels,
        });
      const t = 1_000_000;
      const results = await Promise.all([fire("agent:x", t), fire("agent:x", t), fire("agent:x", t)]);
      const fired = results.filter((x) => x !== null);
      expect(fired).toHaveLength(1);
      expect(fired[0]!.deliveries.map((d) => [d.channel.type, d.status])).toEqual([
        ["webhook", "pending"],
        ["slack", "pending"],
      ]);
      expect(await fire("agent:x", t + 59_999)).toBeNull();
      expect(await fire("agent:y", t + 1)).not.toBeNull();
      expect(await fire("agent:x", t + 60_000)).not.toBeNull();
      const listed = await store.alerts.listAlerts(a.id, { limit: 10 });
      expect(listed.map((x) => x.conditionKey)).toEqual(["agent:x", "agent:y", "agent:x"]);
      expect(listed[0]!.deliveries).toHaveLength(2);
      expect(await store.alerts.listAlerts(a.id, { ruleId: "alr_other", limit: 10 })).toEqual([]);
      const b = await store.createProject("b");
      expect(await store.alerts.listAlerts(b.id, { limit: 10 })).toEqual([]);
    }),
  );

  it(
    "leases due deliveries once until the lease ends, and records attempts",
    withStore(async (store) => {
      const a = await store.createProject("a");
      const r = await store.alerts.createAlertRule(a.id, rule({ channels: [webhook] }));
      const t = 5_000_000;
      const fired = (await store.alerts.fireAlert(a.id, {
        id: "alt_1",
        ruleId: r.id,
        conditionKey: "k",
        now: t,
        cooldownMs: 0,
        payload: "{}",
        channels: r.channels,
      }))!;
      const id = fired.deliveries[0]!.id;
      expect(await store.alerts.leaseDueDeliveries(t - 1, 1000, 10)).toEqual([]);
      const [first, second] = await Promise.all([
        store.alerts.leaseDueDeliveries(t, 1000, 10),
        store.alerts.leaseDueDeliveries(t, 1000, 10),
      ]);
      expect([...first!, ...second!].map((d) => d.id)).toEqual([id]);
      expect(await store.alerts.leaseDueDeliveries(t + 999, 1000, 10)).toEqual([]);
      await store.alerts.finishDeliveryAttempt(id, {
        status: "pending",
        attempts: 1,
        nextAttemptAt: t + 500,
        lastStatusCode: 503,
        lastError: "HTTP 503",
        deliveredAt: null,
      });
      const again = await store.alerts.leaseDueDeliveries(t + 500, 1000, 10);
      expect(again.map((d) => [d.id, d.attempts, d.lastStatusCode, d.channel, d.payload])).toEqual([
        [id, 1, 503, webhook, "{}"],
      ]);
      await store.alerts.finishDeliveryAttempt(id, {
        status: "delivered",
        attempts: 2,
        nextAttemptAt: t + 500,
        lastStatusCode: 200,
        lastError: null,
        deliveredAt: t + 600,
      });
      expect(await store.alerts.leaseDueDeliveries(t + 10_000, 1000, 10)).toEqual([]);
      const [alert] = await store.alerts.listAlerts(a.id, { limit: 1 });
      expect(alert!.deliveries[0]).toMatchObject({ status: "delivered", attempts: 2, deliveredAt: t + 600 });
    }),
  );

  it(
    "appends receipts to a chain only after its current head, and never forks it",
    withStore(async (store) => {
      const a = await store.createProject("a");
      const b = await store.createProject("b");
      expect(await store.receipts.putReceiptKeys(a.id, [{ kid: "kid1", jwk: "{}" }])).toBe(1);
      expect(
        await store.receipts.putReceiptKeys(a.id, [
          { kid: "kid1", jwk: "{}" },
          { kid: "kid2", jwk: "{}" },
        ]),
      ).toBe(1);
      expect((await store.receipts.listReceiptKeys(a.id)).map((k) => k.kid).sort()).toEqual(["kid1", "kid2"]);
      expect(await store.receipts.listReceiptKeys(b.id)).toEqual([]);

      const chainId = hex(1000 + 64);
      const r = (seq: number, over: Partial<StoredReceipt> = {}) => receipt(chainId, seq, over);
      const genesis = { seq: 0, hash: "" };
      const made = await store.receipts.appendReceipts(a.id, {
        chainId,
        after: genesis,
        receipts: [r(1), r(2)],
      });
      expect(made).toMatchObject({
        ok: true,
        chain: { id: chainId, headSeq: 2, headHash: r(2).hash, receipts: 2 },
      });
      // The chain exists already: a second "first" upload is refused, naming the head.
      expect(
        await store.receipts.appendReceipts(a.id, { chainId, after: genesis, receipts: [r(1)] }),
      ).toEqual({
        ok: false,
        head: { seq: 2, hash: r(2).hash },
      });
      // Not after the head (a fork at seq 2): refused.
      expect(
        await store.receipts.appendReceipts(a.id, {
          chainId,
          after: { seq: 1, hash: r(1).hash },
          receipts: [r(2, { hash: hex(77) })],
        }),
      ).toMatchObject({ ok: false, head: { seq: 2 } });
      const next = await store.receipts.appendReceipts(a.id, {
        chainId,
        after: { seq: 2, hash: r(2).hash },
        receipts: [r(3, { actorId: "agent-2" })],
      });
      expect(next).toMatchObject({ ok: true, chain: { headSeq: 3, receipts: 3, actorId: "agent-2" } });
      // Another project does not see the chain and may hold one of the same id.
      expect(await store.receipts.getReceiptChain(b.id, chainId)).toBeNull();
      expect(
        await store.receipts.appendReceipts(b.id, { chainId, after: genesis, receipts: [r(1)] }),
      ).toMatchObject({
        ok: true,
      });
      expect(
        await store.receipts.appendReceipts(a.id, {
          chainId: "nope",
          after: { seq: 1, hash: "x" },
          receipts: [r(2)],
        }),
      ).toEqual({ ok: false, head: null });

      expect(
        (await store.receipts.findReceiptsByHash(a.id, [r(1).hash, r(3).hash, "zz"])).sort(
          (x, y) => x.seq - y.seq,
        ),
      ).toEqual([
        { hash: r(1).hash, chainId, seq: 1 },
        { hash: r(3).hash, chainId, seq: 3 },
      ]);
      expect(await store.receipts.findReceiptsByHash(a.id, [])).toEqual([]);
      expect((await store.receipts.chainReceipts(a.id, chainId, 1, 10)).map((x) => x.seq)).toEqual([2, 3]);
      expect(await store.receipts.getReceipt(a.id, "TR-3")).toEqual(r(3, { actorId: "agent-2" }));
      expect(await store.receipts.getReceipt(a.id, "TR-9")).toBeNull();
      const listed = await store.receipts.listReceipts(a.id, { limit: 2 });
      expect(listed.map((x) => x.seq)).toEqual([3, 2]);
      const rest = await store.receipts.listReceipts(a.id, {
        limit: 2,
        after: { occurredAt: listed[1]!.occurredAt, hash: listed[1]!.hash },
      });
      expect(rest.map((x) => x.seq)).toEqual([1]);
      expect(
        (await store.receipts.listReceipts(a.id, { limit: 9, outcome: "deny" })).map((x) => x.seq),
      ).toEqual([2]);
      expect(
        (await store.receipts.listReceipts(a.id, { limit: 9, actorId: "agent-2" })).map((x) => x.seq),
      ).toEqual([3]);
      expect((await store.receipts.listReceipts(a.id, { limit: 9, chainId: "other" })).length).toBe(0);

      await store.receipts.recordChainVerification(a.id, chainId, '{"ok":true}');
      expect((await store.receipts.listReceiptChains(a.id)).map((c) => [c.id, c.lastVerification])).toEqual([
        [chainId, '{"ok":true}'],
      ]);
      await store.receipts.recordReceiptRejection(a.id, {
        chainId,
        receiptId: "TR-4",
        seq: 4,
        kind: "chain_fork",
        message: "forked",
      });
      expect(await store.receipts.listReceiptRejections(a.id, 10)).toMatchObject([
        { chainId, receiptId: "TR-4", seq: 4, kind: "chain_fork", message: "forked" },
      ]);
      expect(await store.receipts.listReceiptRejections(b.id, 10)).toEqual([]);
    }),
  );

  it(
    "appends one of two concurrent uploads after the same head",
    withStore(async (store) => {
      const a = await store.createProject("a");
      const chainId = hex(5);
      const r = (seq: number) => receipt(chainId, seq);
      const results = await Promise.all([
        store.receipts.appendReceipts(a.id, { chainId, after: { seq: 0, hash: "" }, receipts: [r(1)] }),
        store.receipts.appendReceipts(a.id, { chainId, after: { seq: 0, hash: "" }, receipts: [r(1), r(2)] }),
      ]);
      expect(results.filter((x) => x.ok)).toHaveLength(1);
      const chain = (await store.receipts.getReceiptChain(a.id, chainId))!;
      expect(chain.receipts).toBe(chain.headSeq);
    }),
  );

  it(
    "counts events per time bucket and per agent, and filters violations",
    withStore(async (store) => {
      const a = await store.createProject("a");
      const x = await store.upsertAgent(a.id, "x", "custom");
      const min = 60_000_000;
      await store.ingestEvents(a.id, {
        dropped: 0,
        dropsAgentId: null,
        events: [
          event({ ts: T0 + 1, agentId: x.id, type: "api_call", decision: "deny" }),
          event({ ts: T0 + 2, agentId: x.id, type: "api_call", decision: "allow" }),
          event({ ts: T0 + min + 5, agentId: x.id, type: "api_call", decision: "warn" }),
          event({ ts: T0 + min + 6, type: "tool_call" }),
        ],
      });
      const base = Math.floor(T0 / min) * min;
      expect(await store.eventHistogram(a.id, { since: T0, until: T0 + 2 * min, bucketMicros: min })).toEqual(
        [
          { bucket: base, type: "api_call", decision: "allow", count: 1 },
          { bucket: base, type: "api_call", decision: "deny", count: 1 },
          { bucket: base + min, type: "api_call", decision: "warn", count: 1 },
          { bucket: base + min, type: "tool_call", decision: null, count: 1 },
        ],
      );
      const counts = await store.countEventsByAgent(a.id, {});
      expect(counts.sort((p, q) => String(p.agentId).localeCompare(String(q.agentId)))).toEqual([
        { agentId: x.id, events: 3, violations: 2 },
        { agentId: null, events: 1, violations: 0 },
      ]);
      expect(await store.countEventsByAgent(a.id, { since: T0 + min })).toHaveLength(2);
      expect(
        (await store.listEvents(a.id, { limit: 10, decision: "violation" })).map((e) => e.decision),
      ).toEqual(["warn", "deny"]);
      const b = await store.createProject("b");
      expect(await store.eventHistogram(b.id, { since: 0, until: T0 * 2, bucketMicros: min })).toEqual([]);
    }),
  );

  it(
    "answers the ids a batch stored when asked, and none for a replayed Idempotency-Key",
    withStore(async (store) => {
      const a = await store.createProject("a");
      const e1 = event();
      const e2 = event();
      const first = await store.ingestEvents(a.id, {
        events: [e1, e2],
        dropped: 0,
        dropsAgentId: null,
        idempotencyKey: "k",
        returnInserted: true,
      });
      expect(first.accepted).toBe(2);
      expect(first.inserted?.sort()).toEqual([e1.id, e2.id].sort());
      const e3 = event();
      expect(
        await store.ingestEvents(a.id, {
          events: [e1, e3],
          dropped: 0,
          dropsAgentId: null,
          returnInserted: true,
        }),
      ).toEqual({ accepted: 1, duplicates: 1, inserted: [e3.id] });
      // A copy within one batch is stored, and named, once; another project's copy of an id is its own.
      const e4 = event();
      expect(
        await store.ingestEvents(a.id, {
          events: [e4, e4, e1],
          dropped: 0,
          dropsAgentId: null,
          returnInserted: true,
        }),
      ).toEqual({ accepted: 1, duplicates: 2, inserted: [e4.id] });
      const b = await store.createProject("b");
      expect(
        await store.ingestEvents(b.id, {
          events: [e1],
          dropped: 0,
          dropsAgentId: null,
          returnInserted: true,
        }),
      ).toEqual({ accepted: 1, duplicates: 0, inserted: [e1.id] });
      expect(
        await store.ingestEvents(a.id, {
          events: [e1, e2],
          dropped: 0,
          dropsAgentId: null,
          idempotencyKey: "k",
          returnInserted: true,
        }),
      ).toEqual({ accepted: 2, duplicates: 0, inserted: [] });
    }),
  );
}
