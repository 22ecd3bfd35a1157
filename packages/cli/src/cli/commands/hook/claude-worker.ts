// Runs the hook's standalone decision off the main thread (see claude.ts: the deadline must fire).
import { parentPort, workerData } from "node:worker_threads";
import { decideHookJob, type HookJob } from "./claude-decide.js";

decideHookJob(workerData as HookJob).then(
  (answer) => parentPort!.postMessage({ answer }),
  (err: unknown) => parentPort!.postMessage({ error: (err as Error)?.message ?? String(err) }),
);
