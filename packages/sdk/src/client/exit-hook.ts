/** Something to run when the event loop empties, before the process exits. */
export interface ExitFlushable {
  flushOnExit(): void;
}

const live = new Set<ExitFlushable>();
let listening = false;

function onBeforeExit(): void {
  for (const client of live) client.flushOnExit();
}

/** One process listener for every client, so that many clients never trip MaxListenersExceeded. */
export function watchExit(client: ExitFlushable): void {
  live.add(client);
  if (!listening) {
    process.on("beforeExit", onBeforeExit);
    listening = true;
  }
}

export function unwatchExit(client: ExitFlushable): void {
  live.delete(client);
  if (live.size === 0 && listening) {
    process.off("beforeExit", onBeforeExit);
    listening = false;
  }
}
