import { afterEach, describe, expect, it, vi } from "vitest";
import { ReplayThreads } from "../src/policies/replay-threads.js";

// Whether a replay shares its window with the thread, after one that did: only while the two threads
// ran at once (the process's CPU time well over the wall time), or again once a minute has passed.
describe("replay threads: sharing only while it pays off", () => {
  afterEach(() => vi.useRealTimers());

  it("stops sharing after a replay that ran on one core, and tries again a minute later", () => {
    vi.useFakeTimers();
    const threads = new ReplayThreads({ start: null });
    expect(threads.paysOff).toBe(true);
    threads.record(1_700, 1_000); // two threads at once
    expect(threads.paysOff).toBe(true);
    threads.record(1_250, 1_000); // one core between them (and V8's own threads)
    expect(threads.paysOff).toBe(false);
    vi.advanceTimersByTime(59_000);
    expect(threads.paysOff).toBe(false);
    vi.advanceTimersByTime(2_000);
    expect(threads.paysOff).toBe(true);
    threads.record(1_900, 1_000);
    expect(threads.paysOff).toBe(true);
  });

  it("always shares when told not to adapt (tests)", () => {
    const threads = new ReplayThreads({ start: null, adaptive: false });
    threads.record(1_000, 1_000);
    expect(threads.paysOff).toBe(true);
  });
});
