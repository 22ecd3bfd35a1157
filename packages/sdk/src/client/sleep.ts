/**
 * Waits `ms` milliseconds, or less when `signal` aborts. With `keepAlive` false the timer does not
 * hold the process open, so a background retry never delays an application's exit.
 */
export function sleep(ms: number, signal: AbortSignal, keepAlive: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (!keepAlive) timer.unref();
    signal.addEventListener("abort", done, { once: true });
  });
}
