import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue, type QueuedEvent } from "../src/client/event-queue.js";

// The client's buffer against a plain array model: whatever sequence of pushes, takes and failed
// sends (a batch put back), it holds the same events in the same order, within its bounds.

const ev = (n: number): QueuedEvent => ({ json: `{"n":${n}}`, bytes: 7 + String(n).length });

describe("EventQueue", () => {
  it("puts a failed batch back before the rest, also when it holds more than one batch", () => {
    const q = new EventQueue(1000, 1_000_000);
    for (let i = 0; i < 250; i++) q.push(ev(i));
    const batch = q.take(100, Number.POSITIVE_INFINITY);
    expect(q.unshift(batch)).toBe(0);
    expect(q.length).toBe(250);
    const all = q.take(1000, Number.POSITIVE_INFINITY).map((e) => e.json);
    expect(all).toEqual(Array.from({ length: 250 }, (_, i) => `{"n":${i}}`));
  });

  it("behaves as a bounded FIFO under any sequence of operations (property)", () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant("push" as const), n: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ k: fc.constant("take" as const), n: fc.integer({ min: 1, max: 150 }), back: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.array(op, { maxLength: 40 }), (maxEvents, ops) => {
        const q = new EventQueue(maxEvents, Number.POSITIVE_INFINITY);
        let model: QueuedEvent[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.k === "push") {
            for (let i = 0; i < o.n; i++) {
              const e = ev(next++);
              const dropped = q.push(e);
              model.push(e);
              const over = Math.max(0, model.length - maxEvents);
              expect(dropped).toBe(over);
              model = model.slice(over);
            }
          } else {
            const got = q.take(o.n, Number.POSITIVE_INFINITY);
            expect(got).toEqual(model.slice(0, o.n));
            model = model.slice(got.length);
            if (o.back) {
              const dropped = q.unshift(got);
              model = [...got, ...model];
              const over = Math.max(0, model.length - maxEvents);
              expect(dropped).toBe(over);
              model = model.slice(over);
            }
          }
          expect(q.length).toBe(model.length);
          expect(q.bytes).toBe(model.reduce((s, e) => s + e.bytes, 0));
        }
        expect(q.take(1_000_000, Number.POSITIVE_INFINITY)).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });
});
