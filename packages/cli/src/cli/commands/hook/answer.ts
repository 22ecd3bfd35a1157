import type { Mode } from "@trusera/core";

/** The hook answers within this (Claude Code's own timeout, 30 s as registered, must never be reached). */
export const HOOK_DEADLINE_MS = 10_000;

export interface HookOutput {
  hookSpecificOutput?: {
    hookEventName: "PreToolUse";
    permissionDecision: "allow" | "deny" | "ask";
    permissionDecisionReason: string;
  };
}

export const deny = (reason: string): HookOutput => ({
  hookSpecificOutput: {
    hookEventName: "PreToolUse",
    permissionDecision: "deny",
    permissionDecisionReason: reason,
  },
});

/**
 * The answer when no decision could be made: deny, unless the mode is known to be audit (then `{}`
 * with a note on stderr). One place for it, so the daemon hand-off and the in-process path say the same.
 */
export function noDecision(
  knownMode: Mode | undefined,
  why: string,
  stderr: (s: string) => void,
): HookOutput {
  if (knownMode === "audit") {
    stderr(
      `transient-trace: hook: no decision (${why}); audit mode lets the call through (audit records, never blocks)\n`,
    );
    return {};
  }
  return deny(
    `transient-trace: blocked: no decision could be made (${why}) and ${knownMode ?? "strict"} mode fails closed`,
  );
}
