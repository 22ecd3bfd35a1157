import { isMainThread } from "node:worker_threads";

/** Something to run when the event loop empties, and when the process ends. */
export interface ExitFlushable {
  /** The event loop emptied: deliver what is left (asynchronously; the process waits). */
  flushOnExit(): void;
  /** The process ends now (`exit`, or a terminating signal): keep what is left, synchronously. */
  spoolOnExit(why: string): void;
  /** True when this client keeps events on disk at exit. */
  readonly spoolsOnExit: boolean;
}

const live = new Set<ExitFlushable>();
let listening = false;
let watchingSignals = false;
/** The signals that end a process by default and that an orchestrator sends (SIGTERM) or a user (SIGINT, SIGHUP). */
const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

function onBeforeExit(): void {
  for (const client of live) client.flushOnExit();
}

function onExit(): void {
  for (const client of live) client.spoolOnExit("the process exited");
}

function onSignal(signal: NodeJS.Signals): void {
  // Ours is the only listener: the process ends now, as the signal would have ended it without us.
  const ends = process.listenerCount(signal) === 1;
  // A spooling client keeps its events on disk either way; one without a spool only counts and
  // prints its loss when the process really ends (an application that handles the signal goes on).
  for (const client of live)
    if (ends || client.spoolsOnExit) client.spoolOnExit(`the process received ${signal}`);
  if (ends) {
    stopSignals();
    process.kill(process.pid, signal);
  }
}

function stopSignals(): void {
  if (!watchingSignals) return;
  for (const s of SIGNALS) process.off(s, onSignal);
  watchingSignals = false;
}

/** One set of process listeners for every client, so that many clients never trip MaxListenersExceeded. */
export function watchExit(client: ExitFlushable): void {
  live.add(client);
  if (!listening) {
    process.on("beforeExit", onBeforeExit);
    process.on("exit", onExit);
    listening = true;
  }
  // Signals reach the main thread only.
  if (!watchingSignals && isMainThread) {
    for (const s of SIGNALS) process.on(s, onSignal);
    watchingSignals = true;
  }
}

export function unwatchExit(client: ExitFlushable): void {
  live.delete(client);
  if (live.size === 0) stopSignals();
  if (live.size === 0 && listening) {
    process.off("beforeExit", onBeforeExit);
    process.off("exit", onExit);
    listening = false;
  }
}
