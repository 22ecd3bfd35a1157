import { existsSync, readFileSync } from "node:fs";
import { sq } from "../govern/shim-script.js";

/**
 * The script Claude Code's settings run for the PreToolUse hook: `<state>/wrap/hook-claude`. The
 * settings name this file, which stays put, not the CLI, which lives wherever the clone or package
 * was when `wrap install claude` ran. Registering `node /old/clone/.../cli.js` directly meant that
 * a moved clone made every hook call fail, and `|| exit 2` then blocked every tool call with no word
 * why. The launcher runs the CLI it was written with if it is still there, else `transient-trace`
 * from PATH, else blocks the call (governance must not silently switch off) saying what to run.
 */
export function hookLauncherScript(o: { node: string; cli: string; stateDir?: string }): string {
  return `#!/bin/sh
# transient-trace: the Claude Code PreToolUse hook ("transient-trace wrap install claude" wrote it;
# "transient-trace wrap uninstall claude" removes it).
# target: ${JSON.stringify({ node: o.node, cli: o.cli })}
_tt_cli=${sq(o.cli)}
_tt_node=${sq(o.node)}
${o.stateDir ? `TRANSIENT_TRACE_STATE_DIR=${sq(o.stateDir)}\nexport TRANSIENT_TRACE_STATE_DIR\n` : ""}if [ -f "$_tt_cli" ]; then
  [ -x "$_tt_node" ] || _tt_node=$(command -v node) || _tt_node=node
  exec "$_tt_node" "$_tt_cli" "$@"
fi
_tt=$(command -v transient-trace 2>/dev/null)
if [ -n "$_tt" ]; then exec "$_tt" "$@"; fi
printf '%s\\n' "transient-trace hook: $_tt_cli is gone (moved or deleted) and transient-trace is not on PATH, so this call is blocked. Fix: run 'transient-trace wrap install claude' again from where transient-trace is now, or 'transient-trace wrap uninstall claude' to stop governing Claude Code." >&2
exit 2
`;
}

/** Where the launcher sends the hook now, for `wrap status`. */
export interface LauncherTarget {
  launcher: string;
  present: boolean;
  cli: string | null;
  cli_present: boolean;
  /** What runs instead when the CLI is gone: `transient-trace` on PATH, or null (calls are blocked). */
  fallback: string | null;
}

export function launcherTarget(launcher: string, fallback: string | undefined): LauncherTarget {
  let cli: string | null = null;
  let present = false;
  try {
    const text = readFileSync(launcher, "utf8");
    present = true;
    const m = /^# target: (.*)$/m.exec(text);
    if (m) cli = (JSON.parse(m[1]!) as { cli?: string }).cli ?? null;
  } catch {}
  return {
    launcher,
    present,
    cli,
    cli_present: cli !== null && existsSync(cli),
    fallback: fallback ?? null,
  };
}
