import { lstatSync, readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import { StateError } from "../errors.js";

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(sleeper, 0, 0, ms);

function holderAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // A lock that names this process is left over from an append that threw between lock and unlock
  // handling, or from a forked parent: appends are synchronous, so it cannot be live here.
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A cross-process lock for very short critical sections: a symbolic link whose target is the
 * holder's pid, made in one system call and removed in one. A lock whose holder is dead (a writer
 * killed mid-append) is broken at once; one older than `staleMs` is broken too (pid reuse).
 * Synchronous on purpose: the critical section is a few microseconds and must not yield.
 */
export function withFileLock<T>(path: string, fn: () => T, { timeoutMs = 5_000, staleMs = 10_000 } = {}): T {
  acquire(path, timeoutMs, staleMs);
  try {
    return fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // Broken by another process as stale: nothing left to release.
    }
  }
}

function acquire(path: string, timeoutMs: number, staleMs: number): void {
  const me = String(process.pid);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      symlinkSync(me, path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new StateError(`cannot lock ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
    let holder = "";
    let age = 0;
    try {
      holder = readlinkSync(path);
      age = Date.now() - lstatSync(path).mtimeMs;
    } catch {
      continue; // released between our attempts: try again at once
    }
    if (!holderAlive(Number(holder)) || age > staleMs) {
      try {
        unlinkSync(path);
      } catch {
        // Someone else broke it first.
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new StateError(
        `timed out after ${timeoutMs} ms waiting for the lock ${path} held by pid ${holder}`,
      );
    }
    sleep(attempt < 10 ? 0 : 1);
  }
}
