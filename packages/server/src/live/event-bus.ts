import type { StoredEvent } from "../store/types.js";

export type EventListener = (events: readonly StoredEvent[]) => void;

/**
 * Events this process stored, told to whoever listens in the same project (live streams, alerts) right
 * after the store commits them. Duplicates are never published. A listener that throws breaks nothing:
 * its error goes to `onError` (the app's log, once the app is built).
 */
export class EventBus {
  readonly #listeners = new Map<string, Set<EventListener>>();
  readonly #all = new Set<(projectId: string, events: readonly StoredEvent[]) => void>();

  onError: (err: unknown) => void = () => {};

  /** Listens to one project's events; returns the function that stops listening. */
  subscribe(projectId: string, listener: EventListener): () => void {
    let set = this.#listeners.get(projectId);
    if (!set) {
      set = new Set();
      this.#listeners.set(projectId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(projectId) === set) this.#listeners.delete(projectId);
    };
  }

  /** Listens to every project's events (the alert engine). */
  subscribeAll(listener: (projectId: string, events: readonly StoredEvent[]) => void): () => void {
    this.#all.add(listener);
    return () => this.#all.delete(listener);
  }

  /** How many listeners one project has (for tests and metrics). */
  listeners(projectId: string): number {
    return this.#listeners.get(projectId)?.size ?? 0;
  }

  publish(projectId: string, events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.#all) this.#call(() => listener(projectId, events));
    const set = this.#listeners.get(projectId);
    if (set) for (const listener of [...set]) this.#call(() => listener(events));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}
