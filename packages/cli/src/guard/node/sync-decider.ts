import type { MessagePort, Worker } from "node:worker_threads";
import { type Answer, parseAnswer } from "../../govern/protocol.js";

/** Marks our own decision worker, so that the preload (which Node also runs in workers) skips it. */
export const WORKER_MARK = "__transientTraceDecisionWorker";

// The worker's whole program: connect to the daemon's Unix socket, send, read the answer to the end,
// hand it back and wake the main thread. One connection per request keeps the daemon stateless.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const net = require("node:net");
const { port, flag, socket } = workerData;
port.on("message", ({ id, payload, timeoutMs }) => {
  const chunks = [];
  let settled = false;
  const finish = (answer) => {
    if (settled) return;
    settled = true;
    port.postMessage({ id, answer });
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  const c = net.createConnection(socket);
  c.setTimeout(timeoutMs, () => { c.destroy(); finish(null); });
  c.on("connect", () => c.write(Buffer.from(payload)));
  c.on("data", (d) => chunks.push(d));
  c.on("error", () => finish(null));
  c.on("close", () => finish(chunks.length ? Buffer.concat(chunks).toString("utf8") : null));
});
`;

/**
 * Asks the daemon synchronously from the main thread: `child_process.spawnSync` and friends must be
 * decided before they return, and Node has no synchronous socket. A worker thread (started on the
 * first question: tens of milliseconds, once per process) does the socket I/O while the main thread
 * sleeps in `Atomics.wait`; each later question costs a few milliseconds at most, most of it the
 * daemon deciding and sealing (bench/suites/shim.mjs).
 */
export class SyncDecider {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  private broken = false;

  constructor(private readonly socket: string) {}

  /** The answer, or undefined when the daemon could not be asked (gone, timed out, garbled). */
  ask(payload: Buffer, timeoutMs: number): Answer | undefined {
    if (this.broken) return undefined;
    const wt = require("node:worker_threads") as typeof import("node:worker_threads");
    if (!this.port) {
      try {
        const { port1, port2 } = new wt.MessageChannel();
        this.worker = new wt.Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { port: port2, flag: this.flag, socket: this.socket, [WORKER_MARK]: true },
          transferList: [port2],
          stdout: false,
          stderr: false,
        });
        this.worker.unref();
        this.worker.on("error", () => {
          this.broken = true;
        });
        port1.unref();
        this.port = port1;
      } catch {
        this.broken = true;
        return undefined;
      }
    }
    const id = ++this.seq;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ id, payload, timeoutMs });
    const deadline = Date.now() + timeoutMs + 1_000;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.flag, 0, 0, left);
      // Reset before draining: a message posted after the drain sets the flag again.
      Atomics.store(this.flag, 0, 0);
      for (;;) {
        const got = wt.receiveMessageOnPort(this.port);
        if (!got) break;
        const msg = got.message as { id: number; answer: string | null };
        // A late answer to an earlier question that timed out: drop it.
        if (msg.id !== id) continue;
        return msg.answer === null ? undefined : parseAnswer(msg.answer);
      }
    }
  }
}
