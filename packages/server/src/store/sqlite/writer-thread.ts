import { parentPort, workerData } from "node:worker_threads";
import { CHECKPOINT_FRAMES, openSqlite } from "./connection.js";
import { type GroupJob, SqliteEventWriter } from "./event-writer.js";

/**
 * The SQLite event writer on a thread of its own: the main thread parses and validates requests while
 * this one inserts, so ingest uses two cores. Messages: `{jobs}` in, `{outcomes}` out, one group at a time.
 */
const { path, autoCheckpoint } = workerData as { path: string; autoCheckpoint: boolean };
const db = openSqlite(path, { autoCheckpoint });
const writer = new SqliteEventWriter(db);

parentPort!.on("message", (message: { jobs: GroupJob[] } | { close: true } | { autoCheckpoint: true }) => {
  if ("close" in message) {
    db.close();
    parentPort!.close();
    return;
  }
  // The checkpoint thread is gone (see sqlite-store.ts): SQLite's own checkpoint takes over.
  if ("autoCheckpoint" in message) {
    db.pragma(`wal_autocheckpoint = ${CHECKPOINT_FRAMES}`);
    return;
  }
  let outcomes: ReturnType<SqliteEventWriter["ingestGroup"]>;
  try {
    outcomes = writer.ingestGroup(message.jobs);
  } catch (err) {
    outcomes = message.jobs.map(() => ({ error: err }));
  }
  parentPort!.postMessage({
    outcomes: outcomes.map((o) =>
      "error" in o ? { error: String((o.error as Error)?.message ?? o.error) } : o,
    ),
  });
});
