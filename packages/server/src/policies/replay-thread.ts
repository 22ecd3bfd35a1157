import { parentPort } from "node:worker_threads";
import { type CedarRequest, compilePolicies } from "@trusera/core";
import { claim, countPart, readerOf, type SqliteReader, type ThreadedJob } from "./replay-part.js";
import { type ReplayCounts, ReplayTally } from "./replay-tally.js";

/**
 * A replay's second thread (built as dist/replay-thread.js; replay-threads.ts starts it): takes parts
 * of a SQLite window as the server's thread does, reads them on a read-only connection of its own and
 * decides them with the candidate compiled here from the engine's JSON, with no engine of its own: a
 * part with an event the compiled evaluator hands to the engine is left to the server's thread.
 * Messages: `{id, job}` in; `{id, parts: [index, counts][]}` (the parts it counted) or `{id, error}` out.
 */
let reader: SqliteReader | null = null;

/** Thrown where only the engine answers: the part is not counted here. */
const ENGINE_ONLY = new Error("a request only the engine answers");

/** The candidate compiled last, kept while replays ask for the same (warm closures, see replay-service.ts). */
let compiled: { key: number; evaluator: ReturnType<typeof compilePolicies> } | null = null;

async function run(job: ThreadedJob): Promise<[number, ReplayCounts][]> {
  if (compiled?.key !== job.candidate.key)
    compiled = { key: job.candidate.key, evaluator: compilePolicies(job.candidate.policies) };
  const evaluator = compiled.evaluator;
  const candidate = {
    evaluate(request: CedarRequest) {
      const answer = evaluator.decide(request);
      if (answer === null) throw ENGINE_ONLY;
      return answer;
    },
  };
  reader = readerOf(reader, job.path);
  const r = reader;
  const tally = new ReplayTally(candidate, (id) => r.agentName(job.projectId, id), job.maxExamples);
  const done: [number, ReplayCounts][] = [];
  for (let i = claim(job); i >= 0; i = claim(job)) {
    try {
      done.push([i, await countPart(tally, r, job, i)]);
    } catch {
      // Left uncounted: the server's thread counts every part missing from the answer.
    }
  }
  return done;
}

parentPort!.on("message", (message: { id: number; job: ThreadedJob } | { close: true }) => {
  if ("close" in message) {
    reader?.close();
    parentPort!.close();
    return;
  }
  const { id, job } = message;
  run(job).then(
    (parts) => parentPort!.postMessage({ id, parts }),
    (err: unknown) => parentPort!.postMessage({ id, error: String((err as Error)?.message ?? err) }),
  );
});
