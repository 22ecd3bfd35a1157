import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { ConfigurationError } from "../errors.js";
import { isJsonObject } from "../events/validate.js";
import { isMode, type Mode } from "../policy/mode.js";
import { defaultStateDir, ensurePrivateDir, MODE_ENV, resolvePath, STATE_DIR_ENV } from "./paths.js";

/** `config.json`: what `transient-trace config set` writes. */
export interface TraceConfig {
  version: 1;
  mode?: Mode;
  state_dir?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where the config file is: in `$TRANSIENT_TRACE_STATE_DIR` when that is set (so a test or a
 * sandbox is fully self-contained), otherwise `~/.transient-trace/config.json`.
 */
export function configFilePath(env: Env = process.env, home = homedir()): string {
  const fromEnv = env[STATE_DIR_ENV];
  return join(fromEnv ? resolvePath(fromEnv) : defaultStateDir(home), "config.json");
}

/** Reads the config; a missing file is an empty config. @throws {ConfigurationError} when it is not valid. */
export function readConfig(path: string): TraceConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: 1 };
    throw new ConfigurationError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigurationError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(value)) throw new ConfigurationError(`${path} must hold a JSON object`);
  const out: TraceConfig = { version: 1 };
  if (value.mode !== undefined) {
    if (!isMode(value.mode))
      throw new ConfigurationError(`${path}: mode must be audit, strict or permissive`);
    out.mode = value.mode;
  }
  if (value.state_dir !== undefined) {
    if (typeof value.state_dir !== "string" || value.state_dir === "")
      throw new ConfigurationError(`${path}: state_dir must be a non-empty string`);
    out.state_dir = value.state_dir;
  }
  return out;
}

/** Writes the config atomically (a temporary file renamed over the old one). */
export function writeConfig(path: string, config: TraceConfig): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export type Source = "flag" | "env" | "config" | "default";

/** The state directory in force: `$TRANSIENT_TRACE_STATE_DIR`, else the config's `state_dir`, else `~/.transient-trace`. */
export function resolveStateDir(
  env: Env = process.env,
  config: TraceConfig = readConfig(configFilePath(env)),
  home = homedir(),
): { dir: string; source: Source } {
  const fromEnv = env[STATE_DIR_ENV];
  if (fromEnv) return { dir: resolvePath(fromEnv), source: "env" };
  if (config.state_dir) return { dir: resolvePath(config.state_dir), source: "config" };
  return { dir: defaultStateDir(home), source: "default" };
}

/** The mode in force: a flag, else `$TRANSIENT_TRACE_MODE`, else the config's, else `audit`. */
export function resolveMode(
  flag: string | undefined,
  env: Env = process.env,
  config: TraceConfig = readConfig(configFilePath(env)),
): { mode: Mode; source: Source } {
  if (flag !== undefined) {
    if (!isMode(flag))
      throw new ConfigurationError(`mode must be audit, strict or permissive, got "${flag}"`);
    return { mode: flag, source: "flag" };
  }
  const fromEnv = env[MODE_ENV];
  if (fromEnv) {
    if (!isMode(fromEnv))
      throw new ConfigurationError(`${MODE_ENV} must be audit, strict or permissive, got "${fromEnv}"`);
    return { mode: fromEnv, source: "env" };
  }
  if (config.mode) return { mode: config.mode, source: "config" };
  return { mode: "audit", source: "default" };
}
