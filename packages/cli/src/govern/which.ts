import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { SHIM_MARKER } from "../guard/node/config.js";

function executable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when `dir` is a transient-trace shim directory (a session's, or the wrap directory). */
export const isShimDir = (dir: string) => existsSync(join(dir, SHIM_MARKER));

/**
 * The program `name` runs, looked up in PATH like execvp but skipping every shim directory, so that a
 * shim or `run` finds the real `git`, not another shim. A name with a `/` is taken relative to `cwd`.
 */
export function findProgram(name: string, pathEnv: string | undefined, cwd: string): string | undefined {
  if (name.includes("/")) {
    const p = isAbsolute(name) ? name : resolve(cwd, name);
    return executable(p) ? p : undefined;
  }
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    const d = resolve(cwd, dir || ".");
    if (isShimDir(d)) continue;
    const p = join(d, name);
    if (executable(p)) return p;
  }
  return undefined;
}
