import type { Worker } from "node:worker_threads";
import { HOOK_DEADLINE_MS } from "./cli/commands/hook/answer.js";
import { decideThroughDaemon, runningDaemon } from "./cli/commands/hook/hand-off.js";
import { offThread } from "./cli/commands/hook/off-thread.js";
import { respond } from "./cli/commands/hook/respond.js";
import { readInput } from "./cli/commands/hook/stdin.js";

/** `--deadline-ms N` / `--deadline-ms=N` / nothing; undefined for anything else (the full CLI explains). */
function deadlineOf(args: readonly string[]): number | undefined {
  if (args.length === 0) return HOOK_DEADLINE_MS;
  const text =
    args.length === 2 && args[0] === "--deadline-ms"
      ? args[1]
      : args.length === 1 && args[0]!.startsWith("--deadline-ms=")
        ? args[0]!.slice("--deadline-ms=".length)
        : undefined;
  const n = text === undefined || text.trim() === "" ? Number.NaN : Number(text);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The fast entry of `transient-trace hook claude`, which Claude Code runs on every tool call. Inside
 * a `transient-trace run` session it loads neither the command tree nor the Cedar engine: it reads
 * the input, checks it, and hands the call to the session's running daemon over its Unix socket
 * (same policy, mode and receipt chain), through the same `respond` as the full path. Returns false,
 * having read nothing, when there is no running daemon or the arguments are not the plain ones: the
 * full CLI then runs the command as before (in-process decision, --help, usage errors).
 */
export async function hookEntry(args: readonly string[]): Promise<boolean> {
  const deadlineMs = deadlineOf(args);
  if (deadlineMs === undefined) return false;
  const daemon = runningDaemon(process.env);
  if (!daemon) return false;
  // One deadline for everything, from the process's start: loading, reading stdin, deciding.
  const startedAt = Math.round(performance.timeOrigin);
  const text = await readInput(deadlineMs, startedAt);
  let worker: Worker | undefined;
  const out = await respond(text, {
    mode: daemon.mode,
    cwd: process.cwd(),
    stderr: (s) => process.stderr.write(s),
    deadlineMs,
    startedAt,
    decide: (input, req) =>
      decideThroughDaemon(daemon, req, Math.max(1, deadlineMs - (Date.now() - startedAt)), () => {
        // Off this thread, so that the deadline still fires while the engine loads.
        const run = offThread({
          input,
          env: process.env,
          cwd: process.cwd(),
          mode: daemon.mode,
          session: daemon.dir,
        });
        worker = run.worker;
        return run.answer;
      }),
    cleanup: () => void worker?.terminate(),
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.stdin.destroy();
  return true;
}
