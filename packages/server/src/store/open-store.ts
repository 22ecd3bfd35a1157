import { join } from "node:path";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./types.js";

/** The SQLite file inside a data directory. */
export function sqlitePath(dataDir: string): string {
  return join(dataDir, "trusera.sqlite");
}

/** Opens and migrates the configured store. */
export async function openStore(options: { dataDir: string }): Promise<Store> {
  const store = new SqliteStore(sqlitePath(options.dataDir));
  await store.migrate();
  return store;
}
