import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * WAL frames between checkpoints (80 MB with 8 KiB pages) rather than SQLite's 1,000: a page rewritten
 * by many batches reaches the main file once, and the checkpoint's fsyncs are ten times rarer (ingest
 * was ~1.7x faster for it).
 */
export const CHECKPOINT_FRAMES = 10_000;

export interface OpenOptions {
  /** SQLite's own checkpoint at commit (default); off where checkpoint-thread.ts runs them instead. */
  autoCheckpoint?: boolean;
  /** Page cache of this connection, KiB. */
  cacheKiB?: number;
}

/**
 * The store holds webhook secrets, session tokens and every event: only the server's user may read it.
 * The file is made 0600 before SQLite opens it, because SQLite gives its -wal and -shm files the mode
 * of the database file; files an older version left 0644 are narrowed.
 */
function prepareFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

/** Opens the SQLite file with the settings every connection of the store uses. */
export function openSqlite(path: string, options: OpenOptions = {}): Database.Database {
  if (path !== ":memory:" && !path.startsWith("file:")) prepareFile(path);
  const db = new Database(path);
  // Takes effect only when the file is created (a WAL database keeps its page size). 8 KiB pages hold
  // twice the index entries of the default 4 KiB: fewer splits and WAL frames per event, ingest ~8%
  // faster (measured with the event schema, time-ordered ids); 16 KiB was slower again.
  db.pragma("page_size = 8192");
  db.pragma("journal_mode = WAL");
  // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commits.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.pragma(`wal_autocheckpoint = ${options.autoCheckpoint === false ? 0 : CHECKPOINT_FRAMES}`);
  // The event id index is random by nature (UUIDs): past a few hundred thousand events most of its
  // pages miss SQLite's default 2 MB cache. 64 MB keeps a million events' indexes in memory.
  db.pragma(`cache_size = -${options.cacheKiB ?? 65536}`);
  db.pragma("mmap_size = 268435456");
  return db;
}

/**
 * A read-only connection for reads on a thread of their own (the server's replay): never writes, so
 * it needs none of the settings above; its own page cache, smaller than the store's.
 */
export function openSqliteReader(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  db.pragma("cache_size = -16384");
  db.pragma("mmap_size = 268435456");
  return db;
}
