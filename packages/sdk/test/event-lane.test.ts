import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import type { EventSource, SourceLink } from "../src/client/client.js";
import { EventLane, EventThread } from "../src/interceptor/event-thread.js";
import type { CallRecord } from "../src/interceptor/events.js";
import { BATCH_CALLS } from "../src/interceptor/record-wire.js";
import { callRecord } from "./support/call-record.js";

// The lane between the decision core and the event thread, with real worker threads: one that dies on
// its first batch, and one that never answers. (The real worker entry exists only in the built package;
// interceptor-event-thread.test.ts runs that one.)

const dir = tempDir("event-lane-");
afterAll(() => dir.remove());

function workerFile(name: string, body: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, `const { parentPort } = require("node:worker_threads");\n${body}`);
  return file;
}

const quiet = { debug() {}, warn() {} };

function record(i: number): CallRecord {
  return callRecord({ durationMs: 1 }, { url: `https://h.example/${i}?token=abc`, rawUrl: true });
}

function sink() {
  const got: { json: string[]; beforeClose: boolean }[] = [];
  let source: EventSource | undefined;
  let detached = false;
  const attach = (s: EventSource): SourceLink => {
    source = s;
    return {
      agentId: () => "lane-agent",
      accept: (json, _bytes, _invalid, beforeClose) => got.push({ json: [...json], beforeClose }),
      detach: () => {
        detached = true;
      },
    };
  };
  return { got, attach, source: () => source!, detached: () => detached };
}

describe("EventLane", () => {
  it("loses nothing when the event thread dies: what it held is built on this thread", async () => {
    const thread = new EventThread(
      workerFile("dies.cjs", `parentPort.on("message", () => process.exit(3));`),
    );
    const s = sink();
    const lane = EventLane.open(s.attach, "log", quiet, thread)!;
    for (let i = 0; i < 300; i++) lane.push(record(i)); // a full batch goes at once, the rest waits
    expect(lane.busy).toBe(true);
    await lane.drain(false);
    expect(thread.dead).toBe(true);
    expect(lane.busy).toBe(false);
    const events = s.got.flatMap((g) => g.json.map((j) => JSON.parse(j)));
    expect(events.map((e) => e.payload.url)).toEqual(
      Array.from({ length: 300 }, (_, i) => `https://h.example/${i}?token=[REDACTED]`),
    );
    expect(events.every((e) => e.agent_id === "lane-agent")).toBe(true);
    // Later calls still get their events, on this thread.
    lane.push(record(300));
    await lane.drain(false);
    expect(JSON.parse(s.got.at(-1)!.json[0]!).payload.url).toBe("https://h.example/300?token=[REDACTED]");
  });

  it("drainNow (the process ends) hands over every event at once, built here, from a thread that never answers", () => {
    const thread = new EventThread(workerFile("silent.cjs", `parentPort.on("message", () => {});`));
    const s = sink();
    const lane = EventLane.open(s.attach, "log", quiet, thread)!;
    for (let i = 0; i < 1500; i++) lane.push(record(i)); // one batch posted (full), the rest still here
    expect(lane.busy).toBe(true);
    lane.drainNow();
    expect(lane.busy).toBe(false);
    const urls = s.got.flatMap((g) => g.json.map((j) => JSON.parse(j).payload.url));
    expect(urls).toEqual(Array.from({ length: 1500 }, (_, i) => `https://h.example/${i}?token=[REDACTED]`));
  });

  it("marks what was emitted before a sealing drain (close) and leaves the client once drained", async () => {
    const thread = new EventThread(
      workerFile("dies2.cjs", `parentPort.on("message", () => process.exit(3));`),
    );
    const s = sink();
    const lane = EventLane.open(s.attach, "log", quiet, thread)!;
    lane.push(record(1));
    const sealed = lane.drain(true);
    lane.push(record(2));
    await sealed;
    await lane.drain(false);
    expect(s.got.map((g) => g.beforeClose)).toEqual([true, false]);
    lane.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(s.detached()).toBe(true);
  });

  it("builds batches on this thread once the event thread holds too many unanswered", async () => {
    const thread = new EventThread(workerFile("mute2.cjs", `parentPort.on("message", () => {});`), {
      maxWaiting: 2,
    });
    const s = sink();
    const lane = EventLane.open(s.attach, "log", quiet, thread)!;
    for (let i = 0; i < BATCH_CALLS * 3; i++) lane.push(record(i)); // three full batches: two wait, one is built here
    await new Promise((r) => setTimeout(r, 20));
    expect(s.got).toHaveLength(1);
    expect(s.got[0]!.json).toHaveLength(BATCH_CALLS);
    expect(JSON.parse(s.got[0]!.json[0]!).payload.url).toBe(
      `https://h.example/${BATCH_CALLS * 2}?token=[REDACTED]`,
    );
    // Answered out of order: the lane still waits for the first two.
    expect(lane.busy).toBe(true);
    const outcome = await Promise.race([
      lane.drain(false).then(() => "drained"),
      new Promise((r) => setTimeout(() => r("waiting"), 100)),
    ]);
    expect(outcome).toBe("waiting");
  });

  it("waits for the event thread only when it has batches out", async () => {
    // A worker that never answers: a drain with a batch out waits; one with nothing posted does not.
    const thread = new EventThread(workerFile("mute.cjs", `parentPort.on("message", () => {});`));
    const s = sink();
    const lane = EventLane.open(s.attach, "log", quiet, thread)!;
    await lane.drain(false); // nothing posted: resolves at once
    lane.push(record(1));
    const outcome = await Promise.race([
      lane.drain(false).then(() => "answered"),
      new Promise((r) => setTimeout(() => r("waiting"), 200)),
    ]);
    expect(outcome).toBe("waiting");
    expect(lane.busy).toBe(true);
  });
});
