import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigurationError } from "@trusera/core";
import type { ClaudeSettingsEdit } from "./claude-settings.js";
import type { RcEdit } from "./rc-files.js";

/** What `wrap install` did, so that `wrap uninstall` undoes exactly that: `<state>/wrap/manifest.json`. */
export interface WrapManifest {
  version: 1;
  bins: Record<string, { installed_at: string }>;
  rc: RcEdit[];
  claude?: ClaudeSettingsEdit;
}

export interface WrapPaths {
  dir: string;
  binDir: string;
  manifest: string;
  /** The script Claude Code's settings run for the hook (wrap/hook-launcher.ts). */
  hookLauncher: string;
}

export function wrapPaths(stateDir: string): WrapPaths {
  const dir = join(stateDir, "wrap");
  return {
    dir,
    binDir: join(dir, "bin"),
    manifest: join(dir, "manifest.json"),
    hookLauncher: join(dir, "hook-claude"),
  };
}

export function readManifest(paths: WrapPaths): WrapManifest {
  if (!existsSync(paths.manifest)) return { version: 1, bins: {}, rc: [] };
  try {
    const m = JSON.parse(readFileSync(paths.manifest, "utf8")) as WrapManifest;
    if (m.version !== 1 || typeof m.bins !== "object" || !Array.isArray(m.rc))
      throw new Error("unknown format");
    return m;
  } catch (err) {
    throw new ConfigurationError(`cannot read ${paths.manifest}: ${(err as Error).message}`);
  }
}

export function writeManifest(paths: WrapPaths, m: WrapManifest): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const tmp = `${paths.manifest}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, paths.manifest);
}

export function removeManifest(paths: WrapPaths): void {
  rmSync(paths.manifest, { force: true });
}
