import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const STATE_DIR_ENV = "TRANSIENT_TRACE_STATE_DIR";
export const MODE_ENV = "TRANSIENT_TRACE_MODE";
export const POLICY_PATH_ENV = "ATP_POLICY_PATH";

/** Where one state directory keeps its files. */
export interface StatePaths {
  root: string;
  keysDir: string;
  jwks: string;
  keysLock: string;
  receiptsDir: string;
  log: string;
  head: string;
  logLock: string;
}

export function statePaths(root: string): StatePaths {
  const keysDir = join(root, "keys");
  const receiptsDir = join(root, "receipts");
  return {
    root,
    keysDir,
    jwks: join(keysDir, "jwks.json"),
    keysLock: join(keysDir, ".lock"),
    receiptsDir,
    log: join(receiptsDir, "receipts.ndjson"),
    head: join(receiptsDir, "head.json"),
    logLock: join(receiptsDir, ".lock"),
  };
}

/** `~/.transient-trace`: the default state directory, and where the config file lives. */
export function defaultStateDir(home = homedir()): string {
  return join(home, ".transient-trace");
}

/** Makes a directory only its owner can enter (0700), parents included. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export const resolvePath = (p: string, cwd = process.cwd()) =>
  p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : resolve(cwd, p);
