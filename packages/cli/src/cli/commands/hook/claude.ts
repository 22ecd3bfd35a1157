import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  configFilePath,
  contentHash,
  Governor,
  isMode,
  loadPolicy,
  type Mode,
  ReceiptWriter,
  readConfig,
  resolveMode,
  resolveStateDir,
} from "@trusera/core";
import { type PreToolUseInput, toolCallRequest } from "../../../govern/claude-tools.js";
import { decideForSession } from "../../../govern/client.js";
import { Decider } from "../../../govern/decider.js";
import type { Answer } from "../../../govern/protocol.js";
import { readSessionRecord, type SessionRecord } from "../../../govern/session-files.js";
import { GUARD_KEY, SESSION_ENV } from "../../../guard/node/config.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, processIo } from "../../io.js";

/** The hook answers within this (Claude Code's own timeout, 30 s as registered, must never be reached). */
export const HOOK_DEADLINE_MS = 10_000;

export interface HookOutput {
  hookSpecificOutput?: {
    hookEventName: "PreToolUse";
    permissionDecision: "allow" | "deny" | "ask";
    permissionDecisionReason: string;
  };
}

const deny = (reason: string): HookOutput => ({
  hookSpecificOutput: {
    hookEventName: "PreToolUse",
    permissionDecision: "deny",
    permissionDecisionReason: reason,
  },
});

/**
 * Claude Code's PreToolUse hook: decides one tool call (Bash, Write, Edit, MultiEdit, NotebookEdit,
 * WebFetch, MCP tools) with the same policy as every other channel, seals the receipt, and answers in
 * the hook protocol. A blocked call is `permissionDecision: "deny"` with the blocked line as the reason.
 * An allowed call gets no decision (`{}`), so Claude Code's own permission rules still apply: the hook
 * can only tighten them. Fails closed: unless the mode is known to be audit, an internal error, a
 * missing or invalid policy, or no answer within the deadline denies. Never throws.
 */
export async function hookClaude(
  inputText: string,
  io: CliIo,
  deadlineMs = HOOK_DEADLINE_MS,
): Promise<HookOutput> {
  let knownMode: Mode | undefined;
  const failure = (why: string): HookOutput => {
    if (knownMode === "audit") {
      io.stderr(`transient-trace: hook: no decision (${why}); audit mode lets the call through\n`);
      return {};
    }
    return deny(
      `transient-trace: blocked: no decision could be made (${why}) and ${knownMode ?? "strict"} mode fails closed`,
    );
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HookOutput>((resolve) => {
    timer = setTimeout(() => resolve(failure(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  const work = (async (): Promise<HookOutput> => {
    let input: PreToolUseInput;
    try {
      input = JSON.parse(inputText) as PreToolUseInput;
    } catch {
      return failure("the hook input is not JSON");
    }
    if (typeof input !== "object" || input === null) return failure("the hook input is not an object");
    if (input.hook_event_name !== undefined && input.hook_event_name !== "PreToolUse") return {};
    const req = toolCallRequest(input, io.cwd);
    if (!req) return failure("the hook input names no tool");
    const inputHash = hashOf(input.tool_input);

    let answer: Answer;
    const session = sessionOf(io.env);
    if (session) {
      knownMode = session.mode;
      answer = await decideForSession(session, req);
    } else {
      const config = readConfig(configFilePath(io.env));
      knownMode = resolveMode(undefined, io.env, config).mode;
      // The project's policy: Claude Code runs the hook with the project as cwd.
      const policy = loadPolicy({ env: io.env, cwd: input.cwd || io.cwd });
      const home = homedir();
      const governor = await Governor.create({ policy: policy.policy, mode: knownMode, home });
      const decider = new Decider(governor, new ReceiptWriter(resolveStateDir(io.env, config).dir), {
        agentId: "claude-code",
        correlation: `claude-${(input.session_id ?? "").slice(0, 36) || process.pid}`,
        policyWhere: policy.where,
        home,
      });
      try {
        answer = decider.decide(req, { inputHash });
      } finally {
        await decider.writer.close();
      }
    }
    if (answer.verdict === "block") return deny(answer.message);
    if (answer.verdict === "error") return failure(answer.message);
    return {};
  })().catch((err: unknown) => failure((err as Error)?.message ?? String(err)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function hashOf(value: unknown) {
  try {
    return value === undefined ? undefined : contentHash(value);
  } catch {
    return undefined;
  }
}

/** The session this hook runs in: the one whose guard is loaded, else $TRANSIENT_TRACE_SESSION. */
function sessionOf(env: Record<string, string | undefined>): SessionRecord | undefined {
  const mark = (globalThis as Record<symbol, unknown>)[GUARD_KEY] as { session?: string } | undefined;
  const dir = mark?.session ?? env[SESSION_ENV];
  if (!dir || !existsSync(join(dir, "session.json"))) return undefined;
  const record = readSessionRecord(dir);
  return isMode(record.mode) ? record : undefined;
}

export function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
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
deny-all). Fails closed: unless the mode is audit, an error, a missing or invalid policy or no answer
within the deadline (default ${HOOK_DEADLINE_MS} ms) denies.

Options:
  --deadline-ms N  Answer (deny, unless audit) after N ms at the latest
  -h, --help       Show this help
`,
  options: { ...HELP_FLAG, "deadline-ms": { type: "string" } },
  async run(values, _positionals, io) {
    const deadline = values["deadline-ms"] === undefined ? HOOK_DEADLINE_MS : Number(values["deadline-ms"]);
    if (!Number.isFinite(deadline) || deadline <= 0)
      throw usageError("hook claude: --deadline-ms must be positive");
    let text = "";
    try {
      text = await Promise.race([
        readAll(process.stdin),
        new Promise<string>((_, rej) => setTimeout(() => rej(new Error("stdin")), deadline).unref()),
      ]);
    } catch {
      text = "";
    }
    const out = await hookClaude(text, io === undefined ? processIo() : io, deadline);
    io.stdout(`${JSON.stringify(out)}\n`);
  },
};
