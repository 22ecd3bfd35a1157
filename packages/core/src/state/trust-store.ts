import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { StateError } from "../errors.js";
import { isJsonObject } from "../events/validate.js";
import { nowIso } from "../receipts/clock.js";
import { withFileLock } from "./lock.js";
import { ensurePrivateDir } from "./paths.js";

export const TRUST_FILE_ENV = "TRANSIENT_TRACE_TRUST_FILE";
export const TRUSTED_KEYS_ENV = "TRANSIENT_TRACE_TRUSTED_KEYS";

/** The pin file keeps at most this many entries (the oldest go first). */
const MAX_PINS = 1_000;

/** One key pinned when a writer made it: the trust anchor `receipts verify` uses for that directory. */
export interface KeyPin {
  /** Real path (symlinks resolved) of the state directory the key signs for. */
  state_dir: string;
  kid: string;
  pinned_at: string;
}

type Env = Record<string, string | undefined>;

/**
 * Where pins live: `$TRANSIENT_TRACE_TRUST_FILE`, else `$XDG_CONFIG_HOME/transient-trace/trusted-keys.json`,
 * else `~/.config/transient-trace/trusted-keys.json`. Outside any state directory on purpose: whoever
 * can rewrite a log and its `keys/jwks.json` must not be able to rewrite what vouches for the keys.
 */
export function trustFilePath(env: Env = process.env, home = homedir()): string {
  if (env[TRUST_FILE_ENV]) return resolve(env[TRUST_FILE_ENV]);
  const config = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(home, ".config");
  return join(config, "transient-trace", "trusted-keys.json");
}

/** Key ids named by `TRANSIENT_TRACE_TRUSTED_KEYS` (comma- or space-separated). */
export function trustedKeysFromEnv(env: Env = process.env): string[] {
  return splitKids(env[TRUSTED_KEYS_ENV] ?? "");
}

export const splitKids = (text: string): string[] => text.split(/[\s,]+/).filter((k) => k !== "");

/** The real path of a directory, or its absolute path when it does not exist (yet). */
export function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/** True when `path` is `dir` or lies under it (both compared as real paths). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(realDir(dir), join(realDir(dirname(path)), basename(path)));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Every pin of the file; none when it does not exist. Throws StateError when it is unreadable. */
export function readPins(file: string = trustFilePath()): KeyPin[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StateError(`cannot read the trust file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StateError(`the trust file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(value) || value.version !== 1 || !Array.isArray(value.pins))
    throw new StateError(`the trust file ${file} is not {"version": 1, "pins": [...]}`);
  return value.pins.filter(
    (p): p is KeyPin =>
      isJsonObject(p) &&
      typeof p.state_dir === "string" &&
      typeof p.kid === "string" &&
      typeof p.pinned_at === "string",
  );
}

/**
 * Pins `kid` as a key of `stateDir` (idempotent). Called by the writer when it makes a key, so the
 * anchor exists before anyone could have tampered with the log. Drops pins of state directories that
 * no longer exist and keeps the newest `MAX_PINS`.
 */
export function pinKey(stateDir: string, kid: string, file: string = trustFilePath()): void {
  const dir = realDir(stateDir);
  if (isInside(file, dir))
    throw new StateError(`the trust file ${file} lies inside the state directory ${dir}`);
  ensurePrivateDir(dirname(file));
  withFileLock(`${file}.lock`, () => {
    const pins = readPins(file).filter((p) => existsSync(p.state_dir));
    if (pins.some((p) => p.state_dir === dir && p.kid === kid)) return;
    pins.push({ state_dir: dir, kid, pinned_at: nowIso() });
    const kept = pins.slice(-MAX_PINS);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: 1, pins: kept }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  });
}
