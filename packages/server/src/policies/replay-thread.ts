import { parentPort } from "node:worker_threads";
import { cedarIfLoaded, compilePolicySetSync, loadCedar } from "@trusera/core";
import { claim, countPart, SqliteReader, type ThreadedJob } from "./replay-part.js";
import type { ReplayCounts } from "./replay-tally.js";
import { ReplayTally } from "./replay-tally.js";

/**
 * A replay's second thread (built as dist/replay-thread.js; replay-threads.ts starts it): takes parts
 * of a SQLite window as the server's thread does, reads them on a read-only connection of its own,
 * decides them with the candidate compiled here, and answers the counts of each part it took.
 * Messages: `{id, job}` in; `{id, parts: [index, counts][]}` or `{id, error}` out.
 */
let reader: SqliteReader | null = null;
// Loaded at start, so that the first replay finds the engine warm (a failure fails each job).
const engine = loadCedar();
engine.catch(() => {});
// One job at a time: jobs share the engine slot the candidate is compiled into.
let queue: Promise<unknown> = Promise.resolve();

async function run(job: ThreadedJob): Promise<[number, ReplayCounts][]> {
  await engine;
  // The server's thread validated the text against the schema; compiled here without it.
  const compiled = compilePolicySetSync(cedarIfLoaded()!, job.candidate.text, {
    defaultDecision: job.candidate.defaultDecision,
    slot: "trusera.replay-thread",
  });
  if (!compiled.ok) throw new Error(compiled.errors[0]?.message ?? "the candidate does not compile");
  await compiled.policySet.whenCompiled();
  if (reader?.path !== job.path) {
    reader?.close();
    reader = new SqliteReader(job.path);
  }
  const r = reader;
  const tally = new ReplayTally(compiled.policySet, (id) => r.agentName(job.projectId, id), job.maxExamples);
  const done: [number, ReplayCounts][] = [];
  for (let i = claim(job); i >= 0; i = claim(job)) done.push([i, await countPart(tally, r, job, i)]);
  return done;
}

parentPort!.on("message", (message: { id: number; job: ThreadedJob } | { close: true }) => {
  if ("close" in message) {
    reader?.close();
    parentPort!.close();
    return;
  }
  const { id, job } = message;
  const running = queue.then(() => run(job));
  queue = running.catch(() => {});
  running.then(
    (parts) => parentPort!.postMessage({ id, parts }),
    (err: unknown) => parentPort!.postMessage({ id, error: String((err as Error)?.message ?? err) }),
  );
});
