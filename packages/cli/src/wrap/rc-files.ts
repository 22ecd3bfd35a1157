import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export const RC_BEGIN = "# >>> transient-trace wrap >>>";
export const RC_END = "# <<< transient-trace wrap <<<";

/** What install did to one rc file, so that uninstall can undo exactly that. */
export interface RcEdit {
  path: string;
  /** The file did not exist: uninstall deletes it if only our block is left. */
  created: boolean;
  /** The file did not end with a newline: one was added before the block, and is taken away again. */
  addedNewline: boolean;
}

/** A double-quoted sh word. */
const dq = (s: string) => `"${s.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;

/** The block: idempotent when sourced twice (PATH gets the directory once), valid in sh, bash and zsh. */
export function rcBlock(binDir: string): string {
  return `${RC_BEGIN}
# Added by "transient-trace wrap install --auto-rc"; "transient-trace wrap uninstall" removes it.
case ":$PATH:" in *:${dq(binDir)}:*) ;; *) export PATH=${dq(binDir)}:"$PATH" ;; esac
${RC_END}
`;
}

/** The rc files to edit: ~/.bashrc, ~/.zshrc and ~/.profile that exist, plus the login shell's own. */
export function rcFilesFor(home: string, shell: string | undefined): string[] {
  const all = [".bashrc", ".zshrc", ".profile"].map((f) => join(home, f));
  const own = shell
    ? ({ bash: ".bashrc", zsh: ".zshrc" } as Record<string, string>)[basename(shell)]
    : undefined;
  const chosen = all.filter((f) => existsSync(f));
  const mine = join(home, own ?? ".profile");
  if (!chosen.includes(mine)) chosen.push(mine);
  return chosen;
}

/** Writes through a symlink (dotfile managers link rc files) and keeps the file's mode. */
function writeKeepingMode(path: string, text: string): void {
  const target = existsSync(path) ? realpathSync(path) : path;
  const mode = existsSync(target) ? statSync(target).mode & 0o7777 : 0o644;
  const tmp = join(dirname(target), `.${basename(target)}.transient-trace.tmp`);
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, target);
}

function findBlock(text: string): { start: number; end: number } | undefined {
  let start = 0;
  if (!text.startsWith(`${RC_BEGIN}\n`)) {
    const at = text.indexOf(`\n${RC_BEGIN}\n`);
    if (at < 0) return undefined;
    start = at + 1;
  }
  const endMarker = text.indexOf(`${RC_END}\n`, start);
  if (endMarker < 0) return undefined;
  return { start, end: endMarker + RC_END.length + 1 };
}

/**
 * Adds the block to an rc file, or replaces it when it is there already (so running install twice
 * leaves one block). Returns what was done, for the manifest; `previous` is the edit recorded by an
 * earlier install, kept so that uninstall still restores the original bytes.
 */
export function addRcBlock(path: string, binDir: string, previous?: RcEdit): RcEdit {
  const exists = existsSync(path);
  const text = exists ? readFileSync(path, "utf8") : "";
  const block = rcBlock(binDir);
  const found = findBlock(text);
  if (found) {
    if (text.slice(found.start, found.end) !== block)
      writeKeepingMode(path, text.slice(0, found.start) + block + text.slice(found.end));
    return previous ?? { path, created: false, addedNewline: false };
  }
  const addedNewline = text.length > 0 && !text.endsWith("\n");
  writeKeepingMode(path, `${text}${addedNewline ? "\n" : ""}${block}`);
  return { path, created: !exists, addedNewline };
}

/**
 * Takes the block out again. Untouched since install, the file is byte-for-byte what it was (or gone,
 * if install created it); lines the user added since are kept. Returns false when no block was found.
 */
export function removeRcBlock(edit: RcEdit): boolean {
  if (!existsSync(edit.path)) return false;
  const text = readFileSync(edit.path, "utf8");
  const found = findBlock(text);
  if (!found) return false;
  let before = text.slice(0, found.start);
  const after = text.slice(found.end);
  if (edit.addedNewline && after === "" && before.endsWith("\n")) before = before.slice(0, -1);
  const out = before + after;
  if (edit.created && out === "") rmSync(edit.path);
  else writeKeepingMode(edit.path, out);
  return true;
}

export function hasRcBlock(path: string): boolean {
  try {
    return findBlock(readFileSync(path, "utf8")) !== undefined;
  } catch {
    return false;
  }
}
