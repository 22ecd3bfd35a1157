import { randomUUID } from "node:crypto";
import { tempDir } from "@trusera/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SQLITE_MIGRATIONS } from "../src/store/sqlite/migrations.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { storeContract } from "./store-contract.js";

storeContract("sqlite", async () => {
  const dir = tempDir("trusera-store-");
  const store = new SqliteStore(`${dir.path}/trusera.sqlite`);
  await store.migrate();
  return {
    store,
    async dispose() {
      await store.close();
      dir.remove();
    },
  };
});

describe("SQLite schema upgrades", () => {
  it("upgrades a version-3 database (ascending indexes, project keys, UUIDs as bytes), keeping its events and their order", async () => {
    const dir = tempDir("trusera-store-");
    const path = `${dir.path}/old.sqlite`;
    // A database as the server left it before migration 4.
    const old = new Database(path);
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 3)) {
      old.exec(m.sql);
      old.prepare("INSERT INTO schema_migrations VALUES (?, ?)").run(m.version, new Date().toISOString());
    }
    // ... holding events (written by that version, under its descending indexes).
    // UUIDs, and one id of 32 hex characters (the Go dialect's), which stays text.
    const ids = Array.from({ length: 5 }, (_, i) =>
      i === 2 ? randomUUID().replaceAll("-", "") : randomUUID(),
    );
    old
      .prepare("INSERT INTO projects (id, name, created_at) VALUES ('p1', 'p', ?)")
      .run(new Date().toISOString());
    const insert = old.prepare(
      "INSERT INTO events (project_id, id, agent_id, type, name, ts, received_at, payload, metadata, decision) VALUES ('p1', ?, NULL, 'tool_call', 'x', ?, 0, '{}', '{}', NULL)",
    );
    for (const [i, id] of ids.entries()) insert.run(id, 1_700_000_000_000_000 + i);
    // A second project holding an event with the same id as one of p1's.
    old
      .prepare("INSERT INTO projects (id, name, created_at) VALUES ('p2', 'q', ?)")
      .run(new Date().toISOString());
    old
      .prepare(
        "INSERT INTO events (project_id, id, agent_id, type, name, ts, received_at, payload, metadata, decision) VALUES ('p2', ?, NULL, 'decision', 'y', 1, 0, '{}', '{}', NULL)",
      )
      .run(ids[0]);
    old.close();

    const store = new SqliteStore(path);
    await store.migrate();
    expect((await store.listEvents("p1", { limit: 10 })).map((e) => e.id)).toEqual([...ids].reverse());
    expect(
      (await store.listEvents("p1", { limit: 2, after: { ts: 1_700_000_000_000_003, id: ids[3]! } })).map(
        (e) => e.id,
      ),
    ).toEqual([ids[2], ids[1]]);
    for (const id of [ids[0]!, ids[2]!]) expect((await store.getEvent("p1", id))?.id).toBe(id);
    expect((await store.getEvent("p2", ids[0]!))?.name).toBe("y");
    expect((await store.listEvents("p2", { limit: 10 })).map((e) => e.id)).toEqual([ids[0]]);
    // The stored ids still make duplicates of the same ids sent again.
    const again = await Promise.all(ids.map(async (id) => (await store.getEvent("p1", id))!));
    expect(await store.ingestEvents("p1", { events: again, dropped: 0, dropsAgentId: null })).toEqual({
      accepted: 0,
      duplicates: 5,
    });
    await store.close();

    const check = new Database(path, { readonly: true });
    const versions = check.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all();
    expect(versions).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    const types = check
      .prepare("SELECT typeof(id) FROM events WHERE project_key = 1 ORDER BY ts")
      .pluck()
      .all();
    expect(types).toEqual(["blob", "blob", "text", "blob", "blob"]);
    const indexSql = check
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_%_ts' ORDER BY name")
      .pluck()
      .all() as string[];
    expect(indexSql).toHaveLength(3);
    for (const sql of indexSql) expect(sql).not.toMatch(/DESC/i);
    // Newest first still comes from an index, read backwards, never from a sort.
    const plan = check
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE project_key = ? ORDER BY ts DESC, id DESC LIMIT 5",
      )
      .all(1)
      .map((r) => (r as { detail: string }).detail)
      .join(" | ");
    expect(plan).toContain("USING INDEX events_project_ts");
    expect(plan).not.toContain("TEMP B-TREE");
    check.close();
    dir.remove();
  });
});

describe("SQLite group commit", () => {
  // The writer keeps no savepoint per batch (see event-writer.ts): a batch that fails after it has
  // written rows rolls back the whole group, whose batches are then written again one by one.
  it("rolls back a batch that fails halfway, alone: the others of its group are stored once", async () => {
    const dir = tempDir("trusera-store-");
    const store = new SqliteStore(`${dir.path}/t.sqlite`);
    await store.migrate();
    const project = await store.createProject("p");
    const agent = await store.upsertAgent(project.id, "bot", "custom");
    let ts = 1_700_000_000_000_000;
    const ev = (payload: unknown = "{}") => ({
      id: randomUUID(),
      agentId: null,
      type: "tool_call",
      name: "x",
      ts: ts++,
      receivedAt: ts,
      payload: payload as string,
      metadata: "{}",
      decision: null,
    });
    const good1 = Array.from({ length: 150 }, () => ev());
    // Its first 100 rows are inserted before the 101st cannot be bound (an object is no SQLite value).
    const bad = [...Array.from({ length: 100 }, () => ev()), ev({ not: "a string" })];
    const good2 = [ev(), ev()];
    const send = (events: typeof good1, key: string, dropped: number) =>
      store.ingestEvents(project.id, { events, dropped, dropsAgentId: agent.id, idempotencyKey: key });
    // Sent in one turn of the event loop: one group, one transaction.
    const results = await Promise.allSettled([
      send(good1, "g1", 1),
      send(bad, "b", 10),
      send(good2, "g2", 2),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[0] as PromiseFulfilledResult<unknown>).value).toEqual({ accepted: 150, duplicates: 0 });
    expect((results[2] as PromiseFulfilledResult<unknown>).value).toEqual({ accepted: 2, duplicates: 0 });
    const stored = new Set((await store.listEvents(project.id, { limit: 1000 })).map((e) => e.id));
    expect(stored).toEqual(new Set([...good1, ...good2].map((e) => e.id)));
    // Nothing of the failed batch stayed: not its drops, not its key (a retry of it is stored in full).
    expect((await store.findAgent(project.id, agent.id))!.droppedEvents).toBe(3);
    const fixed = bad.map((e) => ({ ...e, payload: "{}" }));
    expect(await send(fixed, "b", 10)).toEqual({ accepted: 101, duplicates: 0 });
    expect((await store.findAgent(project.id, agent.id))!.droppedEvents).toBe(13);
    await store.close();
    dir.remove();
  });
});

describe("SQLite scans cut into parts (the replay's threads)", () => {
  it("cuts a window into consecutive parts that, read one by one on a read-only connection, are the scan", async () => {
    const dir = tempDir("trusera-store-");
    const store = new SqliteStore(`${dir.path}/trusera.sqlite`);
    await store.migrate();
    const project = await store.createProject("p");
    const agent = await store.upsertAgent(project.id, "a", "test");
    const T0 = 1_700_000_000_000_000;
    // 103 events, three to a microsecond (ties on the time, ordered by id); a text id among the UUIDs.
    const events = Array.from({ length: 103 }, (_, i) => ({
      id: i === 50 ? `text-id-${i}` : randomUUID(),
      agentId: i % 2 ? agent.id : null,
      type: "tool_call",
      name: `t${i}`,
      ts: T0 + Math.floor(i / 3),
      receivedAt: T0,
      payload: "{}",
      metadata: "{}",
      decision: null,
    }));
    await store.ingestEvents(project.id, { events, dropped: 0, dropsAgentId: null });
    const { SqliteReader } = await import("../src/policies/replay-part.js");
    const { scanSqliteEvents } = await import("../src/store/sqlite/event-scan.js");
    const reader = new SqliteReader(store.path);
    const scan = async (q: Parameters<SqliteStore["scanEvents"]>[1]) => {
      const out = [];
      for await (const page of store.scanEvents(project.id, q)) out.push(...page);
      return out;
    };
    const cases = [
      { q: { limit: 1000 }, parts: 16 },
      { q: { limit: 1000 }, parts: 4 },
      { q: { limit: 40 }, parts: 3 },
      { q: { limit: 1000, since: T0 + 5, until: T0 + 30 }, parts: 5 },
      { q: { limit: 1000, agentId: agent.id }, parts: 7 },
      { q: { limit: 1000 }, parts: 200 },
    ];
    for (const { q, parts } of cases) {
      const split = (await store.splitScan(project.id, q, parts))!;
      const whole = await scan({ ...q, limit: q.limit + 1 });
      expect(split.more).toBe(whole.length > q.limit);
      expect(split.total).toBe(Math.min(whole.length, q.limit));
      // At most as many as asked for, of one size but the last (never larger).
      const sizes = split.parts.map((p) => p.limit);
      expect(sizes.length).toBeLessThanOrEqual(parts);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(split.total);
      expect(sizes.every((n, i) => n === sizes[0] || (i === sizes.length - 1 && n < sizes[0]!))).toBe(true);
      // Pages of 4 cross the parts' bounds; read as the store reads (ids in every row) and as replay
      // reads (each id by rowid when asked for): the same events, ids included.
      const readParts = (idsWhenRead: boolean) => {
        const read = [];
        const { limit: _, ...window } = q;
        for (const part of split.parts)
          for (const page of scanSqliteEvents(
            reader.prepare,
            split.projectKey,
            { ...window, limit: q.limit },
            4,
            part,
            idsWhenRead,
          ))
            for (const e of page) read.push({ ...e, id: e.id });
        return read;
      };
      expect(readParts(false)).toEqual(whole.slice(0, q.limit));
      expect(readParts(true)).toEqual(whole.slice(0, q.limit));
    }
    // No thread reads an in-memory database, nor a project that does not exist.
    expect(await store.splitScan("no-such-project", { limit: 10 }, 2)).toBeNull();
    const memory = new SqliteStore(":memory:");
    await memory.migrate();
    const p2 = await memory.createProject("p");
    expect(await memory.splitScan(p2.id, { limit: 10 }, 2)).toBeNull();
    await memory.close();
    reader.close();
    await store.close();
    dir.remove();
  });
});
