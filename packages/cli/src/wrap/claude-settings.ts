import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { CLAUDE_HOOK_MATCHER } from "../govern/claude-tools.js";
import { sq } from "../govern/shim-script.js";

/** Claude Code's settings timeout for our hook, in seconds; the hook answers within 10 s itself. */
export const HOOK_TIMEOUT_S = 30;

/** What install did to Claude Code's settings, so that uninstall can undo exactly that. */
export interface ClaudeSettingsEdit {
  path: string;
  created: boolean;
  /** We made ~/.claude: uninstall removes it if it is empty again. */
  dirCreated: boolean;
  /** The file's bytes before install (base64), restored as they were if nobody changed it since. */
  original?: string;
  /** SHA-256 of what install wrote: if the file still has it, the original comes back byte for byte. */
  written: string;
}

/** `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`. */
export function claudeSettingsPath(env: Record<string, string | undefined>, home = homedir()): string {
  return join(env.CLAUDE_CONFIG_DIR || join(home, ".claude"), "settings.json");
}

/**
 * The hook command as Claude Code runs it (through a shell): `program...` then `hook claude`; `wrap
 * install` passes its launcher (wrap/hook-launcher.ts), which survives a moved CLI. `|| exit 2`: if
 * the hook process dies without answering (a signal, an abort), exit 2 makes Claude Code block the
 * call; any other non-zero exit would let it through.
 */
export function hookCommand(...program: string[]): string {
  return `${program.map(sq).join(" ")} hook claude || exit 2`;
}

/** Our hook entry: recognised by its command's ending, whatever path the CLI had when it was written. */
const isOurs = (h: unknown) => {
  const command = (h as { command?: unknown } | null)?.command;
  return typeof command === "string" && / hook claude \|\| exit 2$/.test(command);
};

type Json = Record<string, unknown>;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function writeAtomic(path: string, text: string): void {
  const target = existsSync(path) ? realpathSync(path) : path;
  const tmp = join(dirname(target), `.${basename(target)}.transient-trace.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, target);
}

/** Settings with our PreToolUse hook added (once), every other setting as it was. */
export function withHook(settings: Json, command: string): Json {
  const hooks = (typeof settings.hooks === "object" && settings.hooks !== null ? settings.hooks : {}) as Json;
  const pre = Array.isArray(hooks.PreToolUse) ? (hooks.PreToolUse as unknown[]) : [];
  const kept = pre.filter((group) => !groupIsOurs(group));
  return {
    ...settings,
    hooks: {
      ...hooks,
      PreToolUse: [
        ...kept,
        { matcher: CLAUDE_HOOK_MATCHER, hooks: [{ type: "command", command, timeout: HOOK_TIMEOUT_S }] },
      ],
    },
  };
}

function groupIsOurs(group: unknown): boolean {
  const hs = (group as { hooks?: unknown })?.hooks;
  return Array.isArray(hs) && hs.length > 0 && hs.every(isOurs);
}

/** Settings with our hook taken out (and the containers we added, if they are empty). */
export function withoutHook(settings: Json): Json {
  const hooks = settings.hooks as Json | undefined;
  if (!hooks || !Array.isArray(hooks.PreToolUse)) return settings;
  const pre = (hooks.PreToolUse as unknown[]).filter((g) => !groupIsOurs(g));
  const nextHooks: Json = { ...hooks, PreToolUse: pre };
  if (pre.length === 0) delete nextHooks.PreToolUse;
  const next: Json = { ...settings, hooks: nextHooks };
  if (Object.keys(nextHooks).length === 0) delete next.hooks;
  return next;
}

export function hookInstalled(path: string): boolean {
  try {
    const s = JSON.parse(readFileSync(path, "utf8")) as Json;
    const pre = (s.hooks as Json | undefined)?.PreToolUse;
    return Array.isArray(pre) && pre.some(groupIsOurs);
  } catch {
    return false;
  }
}

/**
 * Registers the hook. An existing file must be a JSON object (anything else is left alone: an
 * error). `previous` is the edit of an earlier install, kept so that the very first original comes back.
 */
export function installClaudeHook(
  path: string,
  command: string,
  previous?: ClaudeSettingsEdit,
): ClaudeSettingsEdit {
  const exists = existsSync(path);
  const before = exists ? readFileSync(path, "utf8") : undefined;
  let settings: Json = {};
  if (before !== undefined && before.trim() !== "") {
    const parsed: unknown = JSON.parse(before);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error(`${path} does not hold a JSON object`);
    settings = parsed as Json;
  }
  let dirCreated = false;
  if (!existsSync(dirname(path))) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    dirCreated = true;
  }
  const text = `${JSON.stringify(withHook(settings, command), null, 2)}\n`;
  writeAtomic(path, text);
  if (previous) return { ...previous, written: sha256(text) };
  return {
    path,
    created: !exists,
    dirCreated,
    ...(before !== undefined ? { original: Buffer.from(before, "utf8").toString("base64") } : {}),
    written: sha256(text),
  };
}

/**
 * Unregisters the hook. If the file is still exactly what install wrote, the original bytes come
 * back (or the file goes, if install made it); otherwise only our entry is taken out and the rest, the
 * user's later changes included, is kept. Returns a note for people when the restore was not exact.
 */
export function uninstallClaudeHook(edit: ClaudeSettingsEdit): string | undefined {
  if (!existsSync(edit.path)) return undefined;
  const now = readFileSync(edit.path, "utf8");
  if (sha256(now) === edit.written) {
    if (edit.created) {
      rmSync(edit.path);
      if (edit.dirCreated) {
        try {
          rmdirSync(dirname(edit.path));
        } catch {}
      }
    } else {
      writeAtomic(edit.path, Buffer.from(edit.original ?? "", "base64").toString("utf8"));
    }
    return undefined;
  }
  let settings: Json;
  try {
    settings = JSON.parse(now) as Json;
  } catch {
    return `${edit.path} is no longer valid JSON; remove the transient-trace hook from it by hand`;
  }
  writeAtomic(edit.path, `${JSON.stringify(withoutHook(settings), null, 2)}\n`);
  return `${edit.path} changed since install: only the transient-trace hook was removed (formatting may differ)`;
}
