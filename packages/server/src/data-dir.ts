import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { StartupError } from "./errors.js";

const FIX = "choose a directory you can write to with --data-dir (env TRUSERA_DATA_DIR)";

/**
 * Creates the data directory (0700) and its missing parents, one level at a time. Node's recursive
 * mkdir loops for ever on some paths (`/proc/nope`: mkdir says ENOENT while the parent exists), so the
 * walk here is bounded by the path's depth, and every failure names the directory and the fix.
 * @throws StartupError when the directory cannot be made or is not a directory.
 */
export function ensureDataDir(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory())
        throw new StartupError(`data directory ${dir}: ${at} is not a directory; ${FIX}`);
      break;
    } catch (err) {
      if (err instanceof StartupError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR")
        throw new StartupError(`data directory ${dir}: a part of that path is not a directory; ${FIX}`);
      if (code !== "ENOENT")
        throw new StartupError(`data directory ${dir}: cannot read ${at} (${code}); ${FIX}`);
      missing.push(at);
      const parent = dirname(at);
      if (parent === at) break;
      at = parent;
    }
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && statSync(path).isDirectory()) continue;
      throw new StartupError(`data directory ${dir}: cannot create ${path} (${code}); ${FIX}`);
    }
  }
}
