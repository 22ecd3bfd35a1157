import { parentPort, workerData } from "node:worker_threads";
import { CHECKPOINT_FRAMES, openSqlite } from "./connection.js";
import { type GroupJob, SqliteEventWriter } from "./event-writer.js";

/**
 * The SQLite event writer on a thread of its own: the main thread parses and validates requests while
 * this one inserts, so ingest uses two cores. Messages: `{jobs}` in, `{outcomes}` out, one group at a time.
 */
const { path, walFull } = workerData as {
  path: string;
  /** Set by the checkpoint thread when the WAL should start over (see checkpoint-thread.ts). */
  walFull: SharedArrayBuffer;
};
// The checkpoint thread checkpoints; if it is gone, the store says so (`autoCheckpoint` below).
const db = openSqlite(path, { autoCheckpoint: false });
const walFullFlag = new Int32Array(walFull);
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
  // Between two groups nothing is written, so this checkpoint copies every frame (the few the checkpoint
  // thread has not copied yet) and the next group's transaction starts the WAL over.
  if (Atomics.exchange(walFullFlag, 0, 0) === 1) {
    try {
      const [done] = db.pragma("wal_checkpoint(PASSIVE)") as { busy: number }[];
      // The checkpoint thread was at it: again after the next group.
      if (done?.busy) Atomics.store(walFullFlag, 0, 1);
    } catch {
      // Failing: the checkpoint thread reports it, and asks again.
    }
  }
});
