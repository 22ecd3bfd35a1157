/**
 * A background job of a server process (retention purge, learning sweep): run soon after `start()`
 * and then every `intervalSeconds`, never two runs at once (a tick during a run is skipped), errors
 * handed to `onError`, never thrown (a timer has no caller to catch them). The timer is unref'd: it
 * does not keep the process alive.
 */
export class Periodic {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(
    private readonly intervalSeconds: number,
    private readonly task: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.intervalSeconds * 1000);
    this.#timer.unref();
    setImmediate(() => this.#tick());
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #tick(): void {
    // Stopped before the first run came: nothing to do.
    if (!this.#timer || this.#running) return;
    this.#running = this.task()
      .then(
        () => {},
        (err) => {
          try {
            this.onError(err);
          } catch {
            // A failing logger must not turn into an unhandled rejection.
          }
        },
      )
      .finally(() => {
        this.#running = null;
      });
  }
}
