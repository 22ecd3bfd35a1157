import { waitFor } from "@trusera/testing";
import { describe, expect, it } from "vitest";
import { Periodic } from "../src/background/periodic.js";

// The timer shell of the retention purge and the learning sweep, on real timers (intervals of a few
// tens of milliseconds so that the test stays short).

describe("Periodic", () => {
  it("runs soon after start, never two runs at once, and stop waits for the run in progress", async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const p = new Periodic(
      0.01,
      async () => {
        runs++;
        active++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 60));
        active--;
        finished++;
      },
      (err) => {
        throw err;
      },
    );
    p.start();
    await waitFor(() => runs >= 3, { timeoutMs: 5000, what: "three runs" });
    await p.stop();
    expect(most).toBe(1);
    expect(active).toBe(0);
    expect(finished).toBe(runs);
    const after = runs;
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(after);
  });

  it("hands a failing run to onError, throws nothing, and runs again at the next tick", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const p = new Periodic(
      0.01,
      async () => {
        if (++runs === 1) throw new Error("store down");
      },
      (err) => errors.push(err),
    );
    p.start();
    await waitFor(() => runs >= 2, { timeoutMs: 5000, what: "a second run" });
    await p.stop();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("store down");
  });
});
