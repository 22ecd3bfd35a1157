import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { tempDir } from "@trusera/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { storeContract } from "./store-contract.js";

/**
 * The SQLite contract again, with events written by the writer thread, as the built server does. The
 * worker is a built file (dist/sqlite-writer.js), so this runs the built store; `npm test` builds first.
 */
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe.runIf(existsSync(DIST))("SQLite writer thread", () => {
  it("is what the built store uses for a file", async () => {
    const { SqliteStore: Built } = (await import(DIST)) as { SqliteStore: typeof SqliteStore };
    const dir = tempDir("trusera-store-");
    const store = new Built(`${dir.path}/t.sqlite`);
    await store.migrate();
    expect(store.writerMode).toBe("thread");
    expect(new Built(":memory:").writerMode).toBe("inline");
    await store.close();
    dir.remove();
  });

  it("checkpoints the WAL on a thread of its own", async () => {
    const { SqliteStore: Built } = (await import(DIST)) as { SqliteStore: typeof SqliteStore };
    const dir = tempDir("trusera-store-");
    const path = `${dir.path}/t.sqlite`;
    const store = new Built(path, { writer: "thread" });
    await store.migrate();
    const project = await store.createProject("p");
    const events = Array.from({ length: 500 }, (_, i) => ({
      id: randomUUID(),
      agentId: null,
      type: "tool_call",
      name: "x",
      ts: 1_700_000_000_000_000 + i,
      receivedAt: 1_700_000_000_000_000,
      payload: "{}",
      metadata: "{}",
      decision: null,
    }));
    await store.ingestEvents(project.id, { events, dropped: 0, dropsAgentId: null });
    // The writer and the store's connection never checkpoint (and far fewer frames than SQLite's
    // threshold were written): the database file alone holds the events only once the checkpoint
    // thread has copied them. A copy of the file without its WAL shows what it holds.
    let inFile = 0;
    for (let i = 0; i < 50 && inFile < events.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      copyFileSync(path, `${path}.copy`);
      const copy = new Database(`${path}.copy`, { readonly: true });
      // Until the first checkpoint, even the schema is in the WAL only.
      const tables = copy.prepare("SELECT name FROM sqlite_master WHERE name = 'events'").all();
      if (tables.length > 0)
        inFile = (copy.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
      copy.close();
    }
    expect(inFile).toBe(events.length);
    await store.close();
    dir.remove();
  });

  it("the checkpoint thread asks the writer to start the WAL over once it holds half a checkpoint's frames", async () => {
    const dir = tempDir("trusera-store-");
    const path = `${dir.path}/t.sqlite`;
    // A WAL of ~6,000 frames (8 KiB pages), left in place: this connection never checkpoints.
    const db = new Database(path);
    db.pragma("page_size = 8192");
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE t (b BLOB)");
    const insert = db.prepare("INSERT INTO t VALUES (?)");
    db.transaction(() => {
      for (let i = 0; i < 6000; i++) insert.run(Buffer.alloc(7000, i % 251));
    })();
    const walFull = new SharedArrayBuffer(4);
    const flag = new Int32Array(walFull);
    const thread = new Worker(fileURLToPath(new URL("../dist/sqlite-checkpointer.js", import.meta.url)), {
      workerData: { path, walFull },
    });
    try {
      for (let i = 0; i < 40 && Atomics.load(flag, 0) === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(Atomics.load(flag, 0)).toBe(1);
    } finally {
      const exited = new Promise((resolve) => thread.once("exit", resolve));
      thread.postMessage({ close: true });
      await exited;
      db.close();
      dir.remove();
    }
  });

  it("stores concurrent batches exactly once while groups are pipelined to the thread", async () => {
    const { SqliteStore: Built } = (await import(DIST)) as { SqliteStore: typeof SqliteStore };
    const dir = tempDir("trusera-store-");
    const store = new Built(`${dir.path}/t.sqlite`, { writer: "thread" });
    await store.migrate();
    const project = await store.createProject("p");
    let ts = 1_700_000_000_000_000;
    const ev = (id: string) => ({
      id,
      agentId: null,
      type: "tool_call",
      name: "x",
      ts: ts++,
      receivedAt: ts,
      payload: "{}",
      metadata: "{}",
      decision: null,
    });
    // 60 batches of 20 at once: each shares 5 ids with the batch before it, and every tenth is sent twice
    // under one Idempotency-Key. Whatever the grouping, each id is stored once and each key answers once.
    const ids = Array.from({ length: 60 * 15 + 5 }, () => randomUUID());
    const batches = Array.from({ length: 60 }, (_, b) => ids.slice(b * 15, b * 15 + 20).map(ev));
    // Sent a turn of the event loop apart without waiting for answers, so that groups of every size
    // are in flight at once (two of them with the writer thread), rather than one group of everything.
    const calls: Promise<{ accepted: number; duplicates: number }>[] = [];
    for (const [b, events] of batches.entries()) {
      const send = () =>
        store.ingestEvents(project.id, {
          events,
          dropped: 0,
          dropsAgentId: null,
          ...(b % 10 === 0 ? { idempotencyKey: `k${b}` } : {}),
        });
      calls.push(send());
      if (b % 10 === 0) calls.push(send());
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(calls);
    const accepted = results.reduce((n, r) => n + r.accepted, 0);
    // A repeated key answers the first call's result again without storing: count each key once.
    const keyedAccepted = results.filter((_, i) => isSecondOfPair(i)).reduce((n, r) => n + r.accepted, 0);
    expect(accepted - keyedAccepted).toBe(ids.length);
    expect((await store.listEvents(project.id, { limit: 10_000 })).length).toBe(ids.length);
    await store.close();
    dir.remove();

    // Position i in `results` is the repeated call of a keyed pair: batches 0, 10, 20, ... send twice.
    function isSecondOfPair(i: number): boolean {
      let pos = 0;
      for (let b = 0; b < batches.length; b++) {
        if (b % 10 === 0) {
          if (i === pos + 1) return true;
          pos += 2;
        } else pos += 1;
      }
      return false;
    }
  });
});

if (existsSync(DIST)) {
  storeContract("sqlite, writer thread", async () => {
    const { SqliteStore: Built } = (await import(DIST)) as { SqliteStore: typeof SqliteStore };
    const dir = tempDir("trusera-store-");
    const store = new Built(`${dir.path}/trusera.sqlite`, { writer: "thread" });
    await store.migrate();
    return {
      store,
      async dispose() {
        await store.close();
        dir.remove();
      },
    };
  });
}
