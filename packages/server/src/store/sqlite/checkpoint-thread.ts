import { parentPort, workerData } from "node:worker_threads";
import { CHECKPOINT_FRAMES, openSqlite } from "./connection.js";

/**
 * Checkpoints the WAL on a thread of its own, so that the event writer never waits for one. SQLite's
 * automatic checkpoint runs inside the commit that crosses the threshold: the writer thread then copied
 * pages to the database file and waited for its fsync while batches queued up behind it (the writer is
 * the one serial step of ingest; with random event ids, a checkpoint copies thousands of pages). Here
 * the other connections run with automatic checkpoints off (see sqlite-store.ts) and this one copies
 * what the WAL holds every CHECKPOINT_EVERY_MS, concurrently with the writer (PASSIVE).
 *
 * A checkpoint never rewinds the WAL: the next write transaction does, once every frame is copied and no
 * reader still uses them. A writer that never pauses appends while this thread copies, so that moment
 * might never come and the WAL would grow without end. Past half of CHECKPOINT_FRAMES (where SQLite's
 * own checkpoint ran; the WAL grows by up to a round's frames while a round copies) this thread raises
 * `walFull`, and the writer copies the few frames left between two groups, when nothing is being
 * appended (writer-thread.ts), so that the next group starts the WAL over. (A RESTART checkpoint from
 * here instead would hold writers back while it waits for them and for readers: measured under load, it
 * mostly gave up and the WAL file reached 285 MB.) A reader that keeps one snapshot open still keeps the
 * WAL from starting over, as with SQLite's own checkpoints.
 */
const CHECKPOINT_EVERY_MS = 250;

const { path, walFull } = workerData as { path: string; walFull: SharedArrayBuffer };
const db = openSqlite(path, { autoCheckpoint: false, cacheKiB: 2048 });
const walFullFlag = new Int32Array(walFull);

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(): void {
  try {
    const [done] = db.pragma("wal_checkpoint(PASSIVE)") as CheckpointRow[];
    if (done && done.log >= CHECKPOINT_FRAMES / 2) Atomics.store(walFullFlag, 0, 1);
  } catch (err) {
    // Reported once by the store; the next round tries again.
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
