import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Answer } from "../../../govern/protocol.js";
import type { HookJob } from "./claude-decide.js";

const WORKER = new URL("./hook-worker.js", import.meta.url);

/**
 * A decision in this process (standalone, or a session's fallback), run in a worker thread: loading
 * the engine and compiling the policy block for up to a second, and the deadline timer on the main
 * thread must stay free to fire. In this thread when running from source, without the built worker.
 */
export function offThread(job: HookJob): { worker?: Worker; answer: Promise<Answer> } {
  if (!existsSync(fileURLToPath(WORKER)))
    return { answer: import("./claude-decide.js").then((m) => m.decideHookJob(job)) };
  const worker = new Worker(WORKER, { workerData: job });
  worker.unref();
  const answer = new Promise<Answer>((resolve, reject) => {
    worker.once("message", (m: { answer?: Answer; error?: string }) =>
      m.answer ? resolve(m.answer) : reject(new Error(m.error ?? "the decision failed")),
    );
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the decision thread stopped (exit ${code})`)));
  });
  return { worker, answer };
}
