import { parentPort, workerData } from "node:worker_threads";
import { CHECKPOINT_FRAMES, openSqlite } from "./connection.js";

/**
 * Checkpoints the WAL on a thread of its own, so that the event writer never does. SQLite's automatic
 * checkpoint runs inside the commit that crosses the threshold: the writer thread then copied pages to
 * the database file and waited for its fsync while batches queued up behind it (the writer is the one
 * serial step of ingest; with random event ids, a checkpoint dirties thousands of pages). Here the
 * other connections run with automatic checkpoints off (see sqlite-store.ts) and this one copies
 * what the WAL holds every CHECKPOINT_EVERY_MS, concurrently with the writer (PASSIVE).
 *
 * A PASSIVE checkpoint never rewinds the WAL: the next writer does, once every frame is copied. A
 * writer that never pauses could outrun it and grow the WAL without end, so past CHECKPOINT_FRAMES
 * (where SQLite's own checkpoint ran) a RESTART checkpoint holds new writers back for the few frames
 * written since, and the WAL starts over.
 */
const CHECKPOINT_EVERY_MS = 250;

const db = openSqlite((workerData as { path: string }).path, { autoCheckpoint: false, cacheKiB: 2048 });

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(): void {
  try {
    const [passive] = db.pragma("wal_checkpoint(PASSIVE)") as CheckpointRow[];
    if (passive && passive.log >= CHECKPOINT_FRAMES) db.pragma("wal_checkpoint(RESTART)");
  } catch (err) {
    // SQLITE_BUSY and the like: the next round tries again; anything else is the store's to report.
    parentPort!.postMessage({ error: String((err as Error)?.message ?? err) });
  }
}

const timer = setInterval(checkpoint, CHECKPOINT_EVERY_MS);

parentPort!.on("message", (message: { close: true }) => {
  if (!("close" in message)) return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
