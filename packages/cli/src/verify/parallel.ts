import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { checkLogText, type Jwks, type KeyLookup, type RecordCheck } from "@trusera/core";
import { verifierLookup } from "./lookup.js";

/** Below this many lines one thread is faster than starting workers. */
const PARALLEL_FROM_LINES = 2_000;

/**
 * `checkLogText` spread over threads: each receipt's signature check is independent, so the log is
 * cut at line boundaries into one slice per CPU (the main thread takes the first); only the chain
 * linking (cheap) stays sequential. Falls back to one thread when the worker file is not there
 * (running from source) or the log is small.
 */
export async function checkLines(
  text: string,
  jwks: Jwks,
  jobs = availableParallelism(),
  trusted?: readonly string[],
): Promise<RecordCheck[]> {
  const lookup: KeyLookup = verifierLookup(jwks, trusted);
  const worker = new URL("./verify-worker.js", import.meta.url);
  const lines = countLines(text);
  if (jobs <= 1 || lines < PARALLEL_FROM_LINES || !existsSync(fileURLToPath(worker)))
    return checkLogText(text, lookup);

  const slices: { text: string; firstLine: number }[] = [];
  const per = Math.ceil(text.length / jobs);
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = Math.min(text.length, start + per);
    const nl = text.indexOf("\n", end - 1);
    end = nl < 0 ? text.length : nl + 1;
    const piece = text.slice(start, end);
    slices.push({ text: piece, firstLine: line });
    line += countLines(piece);
    start = end;
  }
  const [first, ...rest] = slices;
  const pending = rest.map(
    (slice) =>
      new Promise<RecordCheck[]>((resolve, reject) => {
        const w = new Worker(worker, { workerData: { ...slice, jwks, trusted } });
        w.once("message", resolve);
        w.once("error", reject);
        w.once("exit", (code) => {
          if (code !== 0) reject(new Error(`verify worker exited with code ${code}`));
        });
      }),
  );
  const head = first ? checkLogText(first.text, lookup, first.firstLine) : [];
  const tails = await Promise.all(pending);
  return head.concat(...tails);
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
