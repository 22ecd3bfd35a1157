// Shared measuring tools for the benchmark suites. Every comparison runs baseline (A) and candidate (B)
// side by side in the same process, in alternating blocks, and reports medians: the machine's drift
// (CPU frequency, another process) then hits both sides alike.
import { request } from "node:http";

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nanoseconds per call of a synchronous function, one sample per block of `perBlock` calls. */
export function sampleSync(fn, { blocks = 50, perBlock = 10_000, warmup = 20_000 } = {}) {
  for (let i = 0; i < warmup; i++) fn(i);
  const samples = [];
  for (let b = 0; b < blocks; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < perBlock; i++) fn(i);
    samples.push(Number(process.hrtime.bigint() - t) / perBlock);
  }
  return samples;
}

/**
 * Runs async `a` and `b` in alternating blocks (ABAB...) and returns per-call samples in nanoseconds
 * for each. `setup`/`teardown` hooks run around each block when a side needs state switched (e.g.
 * install/uninstall an interceptor).
 */
export async function alternate(a, b, { blocks = 20, perBlock = 200, warmup = 200 } = {}) {
  for (const side of [a, b]) {
    await side.setup?.();
    for (let i = 0; i < warmup; i++) await side.run(i);
    await side.teardown?.();
  }
  const samples = { a: [], b: [] };
  for (let blk = 0; blk < blocks; blk++) {
    for (const [key, side] of blk % 2 === 0
      ? [
          ["a", a],
          ["b", b],
        ]
      : [
          ["b", b],
          ["a", a],
        ]) {
      await side.setup?.();
      for (let i = 0; i < perBlock; i++) {
        const t = process.hrtime.bigint();
        await side.run(i);
        samples[key].push(Number(process.hrtime.bigint() - t));
      }
      await side.teardown?.();
    }
  }
  return samples;
}

export const fmtNs = (ns) =>
  ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
      ? `${(ns / 1e3).toFixed(2)} µs`
      : `${ns.toFixed(0)} ns`;
export const fmtRate = (perSec) => `${Math.round(perSec).toLocaleString("en-US")}/s`;

/**
 * One line of the report. `target` says what the issue asks for; `ok` whether it was met (undefined
 * when the row only reports a figure).
 */
export function row(suite, name, value, { baseline, target, ok, note } = {}) {
  return { suite, name, value, baseline: baseline ?? "", target: target ?? "", ok, note: note ?? "" };
}

/**
 * POSTs a prepared body to `url` (on a keep-alive `agent`); resolves when the answer is a 200 and has
 * been read, rejects with its status otherwise. The load generators' one request shape.
 */
export function postOk(url, key, body, { agent, contentType = "application/json" } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": contentType,
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A closed-loop load: `concurrency` loops, for `seconds`, each awaiting `send(i)` before its next
 * (loop w sends i = w, w + concurrency, ...). Returns items per second, `perSend` items a send.
 */
export async function closedLoop({ seconds, concurrency, perSend, send }) {
  let sent = 0;
  const until = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; Date.now() < until; i += concurrency) {
        await send(i);
        sent += perSend;
      }
    }),
  );
  return sent / (Number(process.hrtime.bigint() - started) / 1e9);
}
