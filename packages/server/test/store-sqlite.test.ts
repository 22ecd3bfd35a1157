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
  it("turns a version-3 database's descending event indexes ascending, keeping its events and their order", async () => {
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
    const ids = Array.from({ length: 5 }, () => randomUUID());
    old
      .prepare("INSERT INTO projects (id, name, created_at) VALUES ('p1', 'p', ?)")
      .run(new Date().toISOString());
    const insert = old.prepare(
      "INSERT INTO events (project_id, id, agent_id, type, name, ts, received_at, payload, metadata, decision) VALUES ('p1', ?, NULL, 'tool_call', 'x', ?, 0, '{}', '{}', NULL)",
    );
    for (const [i, id] of ids.entries()) insert.run(id, 1_700_000_000_000_000 + i);
    old.close();

    const store = new SqliteStore(path);
    await store.migrate();
    expect((await store.listEvents("p1", { limit: 10 })).map((e) => e.id)).toEqual([...ids].reverse());
    expect(
      (await store.listEvents("p1", { limit: 2, after: { ts: 1_700_000_000_000_003, id: ids[3]! } })).map(
        (e) => e.id,
      ),
    ).toEqual([ids[2], ids[1]]);
    await store.close();

    const check = new Database(path, { readonly: true });
    const versions = check.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all();
    expect(versions).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    const indexSql = check
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_%_ts' ORDER BY name")
      .pluck()
      .all() as string[];
    expect(indexSql).toHaveLength(3);
    for (const sql of indexSql) expect(sql).not.toMatch(/DESC/i);
    // Newest first still comes from an index, read backwards, never from a sort.
    const plan = check
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE project_id = ? ORDER BY ts DESC, id DESC LIMIT 5",
      )
      .all("p")
      .map((r) => (r as { detail: string }).detail)
      .join(" | ");
    expect(plan).toContain("USING INDEX events_project_ts");
    expect(plan).not.toContain("TEMP B-TREE");
    check.close();
    dir.remove();
  });
});
