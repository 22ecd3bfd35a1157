import { join } from "node:path";
import { PostgresStore } from "./postgres/postgres-store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./types.js";

/** The SQLite file inside a data directory. */
export function sqlitePath(dataDir: string): string {
  return join(dataDir, "trusera.sqlite");
}

/** Opens and migrates the configured store: Postgres when a database URL is set, else SQLite in the data dir. */
export async function openStore(options: {
  dataDir: string;
  databaseUrl?: string | null;
  poolSize?: number;
}): Promise<Store> {
  const store: Store = options.databaseUrl
    ? new PostgresStore({
        connectionString: options.databaseUrl,
        ...(options.poolSize ? { poolSize: options.poolSize } : {}),
      })
    : new SqliteStore(sqlitePath(options.dataDir));
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
