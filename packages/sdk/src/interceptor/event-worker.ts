// The event thread's entry point (built to dist/event-worker.js and .cjs, loaded by event-thread.ts,
// never imported). It turns batches of finished calls into serialized events, so that the application's
// thread pays for capturing a call and not for building its event.
import { parentPort } from "node:worker_threads";
import { type RecordBatch, serializeSafely } from "./record-wire.js";

const port = parentPort;
if (port) {
  port.on("message", (batch: RecordBatch) => {
    // Always an answer: the application's flush waits for one per batch.
    port.postMessage(serializeSafely(batch));
  });
}
