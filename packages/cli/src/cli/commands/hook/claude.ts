import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { configFilePath, isMode, type Mode, readConfig, resolveMode } from "@trusera/core";
import { readSessionRecord, type SessionRecord } from "../../../govern/session-files.js";
import { GUARD_KEY, SESSION_ENV } from "../../../guard/node/config.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, processIo } from "../../io.js";
import { HOOK_DEADLINE_MS, type HookOutput } from "./answer.js";
import { offThread } from "./off-thread.js";
import { respond } from "./respond.js";
import { readInput } from "./stdin.js";

export { HOOK_DEADLINE_MS, type HookOutput } from "./answer.js";
export { readAll } from "./stdin.js";

/**
 * Claude Code's PreToolUse hook: decides one tool call (Bash, Write, Edit, MultiEdit, NotebookEdit,
 * WebFetch, MCP tools) with the same policy as every other channel, seals the receipt, and answers in
 * the hook protocol. A blocked call is `permissionDecision: "deny"` with the blocked line as the reason.
 * An allowed call gets no decision (`{}`), so Claude Code's own permission rules still apply: the hook
 * can only tighten them. Fails closed: unless the mode is known to be audit, an internal error, input
 * that cannot be decided (no tool_input, a command that is not a string), a missing or invalid policy,
 * or no answer within the deadline denies; in audit those answer `{}` with a note on stderr. The
 * deadline counts from `startedAt` (the process start, stdin included) and holds while the decision
 * runs: that runs in a worker thread (also a session's, which asks its daemon first). Never throws. This is the full path; the hook's fast entry
 * (src/hook-entry.ts) hands a call to a running daemon without loading it, through the same `respond`.
 */
export async function hookClaude(
  inputText: string,
  io: CliIo,
  deadlineMs = HOOK_DEADLINE_MS,
  startedAt = Date.now(),
): Promise<HookOutput> {
  // The mode first: what a failure means (deny, or let through in audit) must not depend on the input.
  let knownMode: Mode | undefined;
  let session: ReturnType<typeof sessionOf>;
  try {
    session = sessionOf(io.env);
    knownMode = session
      ? session.mode
      : resolveMode(undefined, io.env, readConfig(configFilePath(io.env))).mode;
  } catch {
    knownMode = undefined; // unknown: fail closed
  }
  let worker: Worker | undefined;
  return respond(inputText, {
    mode: knownMode,
    cwd: io.cwd,
    stderr: io.stderr,
    deadlineMs,
    startedAt,
    decide: (input) => {
      const run = offThread({
        input,
        env: io.env,
        cwd: io.cwd,
        mode: knownMode ?? "strict",
        session: session?.dir,
      });
      worker = run.worker;
      return run.answer;
    },
    cleanup: () => void worker?.terminate(),
  });
}

/** The session this hook runs in: the one whose guard is loaded, else $TRANSIENT_TRACE_SESSION. */
function sessionOf(env: Record<string, string | undefined>): (SessionRecord & { dir: string }) | undefined {
  const mark = (globalThis as Record<symbol, unknown>)[GUARD_KEY] as { session?: string } | undefined;
  const dir = mark?.session ?? env[SESSION_ENV];
  if (!dir || !existsSync(join(dir, "session.json"))) return undefined;
  const record = readSessionRecord(dir);
  return isMode(record.mode) ? { ...record, dir } : undefined;
}

export const hookClaudeCommand: CommandSpec = {
  name: "hook claude",
  summary: "Claude Code PreToolUse hook (registered by wrap install claude)",
  help: `Usage: transient-trace hook claude [--deadline-ms N]

Claude Code's PreToolUse hook. Reads the hook input (JSON) on stdin, decides the tool call (Bash,
Write, Edit, MultiEdit, NotebookEdit, WebFetch, MCP tools) with the policy, seals a receipt and
answers on stdout, always with exit 0:
  blocked  {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
            "permissionDecisionReason": "transient-trace: blocked ..."}}
  allowed  {} (no decision: Claude Code's own permission rules still apply)
Inside "transient-trace run" the session's policy and mode are used; otherwise the mode from
TRANSIENT_TRACE_MODE / config and the policy from ATP_POLICY_PATH / <project>/.atp/policy.json (else
deny-all). Fails closed: unless the mode is audit, an error, input that cannot be decided (a Bash call
without tool_input.command, or a command that is not a string), a missing or invalid policy or no
answer within the deadline (default ${HOOK_DEADLINE_MS} ms, counted from the start, the decision
included) denies; in audit mode those answer {} (audit records and never blocks), with a note on
stderr. The process exits once it has answered, even if stdin stays open.

Options:
  --deadline-ms N  Answer (deny, unless audit) after N ms at the latest
  -h, --help       Show this help
`,
  options: { ...HELP_FLAG, "deadline-ms": { type: "string" } },
  async run(values, _positionals, io) {
    const deadline = values["deadline-ms"] === undefined ? HOOK_DEADLINE_MS : Number(values["deadline-ms"]);
    if (!Number.isFinite(deadline) || deadline <= 0)
      throw usageError("hook claude: --deadline-ms must be positive");
    // One deadline for everything, from the process's start: loading, reading stdin, deciding.
    const startedAt = Math.round(performance.timeOrigin);
    const text = await readInput(deadline, startedAt);
    const out = await hookClaude(text, io === undefined ? processIo() : io, deadline, startedAt);
    io.stdout(`${JSON.stringify(out)}\n`);
    process.stdin.destroy();
  },
};
