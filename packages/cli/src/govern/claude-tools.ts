import type { ActionClass } from "@trusera/core";
import { redactUrl } from "@trusera/core/light";
import type { DecisionRequest } from "./protocol.js";

/** The tools the hook is registered for (Claude Code's `matcher` is a regular expression on tool_name). */
export const CLAUDE_HOOK_MATCHER = "Bash|Write|Edit|MultiEdit|NotebookEdit|WebFetch|mcp__.*";

/** A PreToolUse hook input (the members we use; Claude Code sends more). */
export interface PreToolUseInput {
  session_id?: string;
  transcript_path?: string;
  cwd?: string;
  hook_event_name?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
}

// First word of an MCP tool's name → class. Unknown verbs are `exec`: the tool may do anything.
const MCP_VERBS: [RegExp, ActionClass][] = [
  [/^(get|list|read|search|find|query|describe|show|view|fetch|lookup|count|check|status|inspect)/, "read"],
  [/^(delete|remove|drop|destroy|purge|erase|truncate|wipe|uninstall)/, "delete"],
  [/^(push|deploy|publish|merge|release|grant|revoke|transfer|execute_sql|run_sql)/, "write_high"],
  [
    /^(create|add|update|edit|write|set|put|post|comment|insert|upload|append|patch|rename|move|copy|save|tag|label|assign|open|close|reply|send)/,
    "write_low",
  ],
];

/** The class of an MCP tool from its name (`mcp__github__create_issue` → write_low). Documented in docs/coverage.md. */
export function mcpToolClass(tool: string): ActionClass {
  const verb = tool.toLowerCase().replace(/^[_-]+/, "");
  for (const [re, cls] of MCP_VERBS) if (re.test(verb)) return cls;
  return "exec";
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

function hostOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.hostname.replace(/^\[|\]$/g, "").toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** Strings inside a tool input that are URLs: their hosts are what the tool reaches. */
function urlHosts(value: unknown, out: Set<string>, depth = 0): Set<string> {
  if (depth > 6) return out;
  if (typeof value === "string") {
    if (/^(https?|wss?):\/\//i.test(value)) {
      const h = hostOf(value);
      if (h) out.add(h);
    }
  } else if (Array.isArray(value)) {
    for (const v of value.slice(0, 100)) urlHosts(v, out, depth + 1);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value).slice(0, 100)) urlHosts(v, out, depth + 1);
  }
  return out;
}

/** Strings inside a tool input that are absolute file paths (`/…`, `~/…`): the files the tool acts on. */
function filePaths(value: unknown, out: Set<string>, depth = 0): Set<string> {
  if (depth > 6 || out.size >= 20) return out;
  if (typeof value === "string") {
    if (/^(\/|~\/)[^\s]*$/.test(value) && value.length < 4096) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value.slice(0, 100)) filePaths(v, out, depth + 1);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value).slice(0, 100)) filePaths(v, out, depth + 1);
  }
  return out;
}

/**
 * What a Claude Code tool call asks to do, as a decision request: Bash is a shell string (split and
 * decided command by command, like `sh -c`), file tools are `file.write`/`file.edit` on a path, WebFetch
 * is `web.fetch` of a host, an MCP tool is `mcp.<server>.<tool>` classed by its verb. Undefined for a
 * call that cannot be read (no tool name).
 */
export function toolCallRequest(input: PreToolUseInput, fallbackCwd: string): DecisionRequest | undefined {
  const tool = input.tool_name;
  if (!tool) return undefined;
  const ti = input.tool_input ?? {};
  const cwd = input.cwd || fallbackCwd;
  const action = (
    name: string,
    target: string,
    actionClass: ActionClass,
    extra: { hosts?: string[]; paths?: string[] } = {},
  ) =>
    ({
      kind: "action",
      channel: "claude-hook",
      cwd,
      action: { action: name, target, actionClass, ...extra },
    }) as const;
  switch (tool) {
    case "Bash":
      return { kind: "shell", channel: "claude-hook", cwd, command: str(ti.command) };
    case "Write":
      return action("file.write", str(ti.file_path), "write_low", { paths: [str(ti.file_path)] });
    case "Edit":
    case "MultiEdit":
      return action("file.edit", str(ti.file_path), "write_low", { paths: [str(ti.file_path)] });
    case "NotebookEdit":
      return action("file.edit", str(ti.notebook_path), "write_low", { paths: [str(ti.notebook_path)] });
    case "WebFetch": {
      const h = hostOf(str(ti.url));
      return action("web.fetch", redactUrl(str(ti.url)), "network", { hosts: h ? [h] : [] });
    }
  }
  const mcp = /^mcp__(.+?)__(.+)$/.exec(tool);
  if (mcp) {
    const hosts = [...urlHosts(ti, new Set())];
    const paths = [...filePaths(ti, new Set())];
    return action(`mcp.${mcp[1]}.${mcp[2]}`, tool, mcpToolClass(mcp[2]!), {
      ...(hosts.length > 0 ? { hosts } : {}),
      ...(paths.length > 0 ? { paths } : {}),
    });
  }
  return action(`tool.${tool}`, tool, "exec");
}

/** The tool_input member each built-in tool cannot be decided without. */
const REQUIRED_INPUT: Record<string, string> = {
  Bash: "command",
  Write: "file_path",
  Edit: "file_path",
  MultiEdit: "file_path",
  NotebookEdit: "notebook_path",
  WebFetch: "url",
};

/**
 * Why a PreToolUse input cannot be decided as it stands (a Bash call without a command, a
 * `"command": 42`), or undefined when it can. Deciding such an input as an empty command would allow
 * it; the hook fails closed on it instead (unless audit).
 */
export function malformedToolInput(input: PreToolUseInput): string | undefined {
  const tool = input.tool_name as unknown;
  if (typeof tool !== "string" || tool === "") return "it names no tool (tool_name)";
  const ti = input.tool_input as unknown;
  if (ti !== undefined && (typeof ti !== "object" || ti === null || Array.isArray(ti)))
    return `tool_input of ${tool} is not an object`;
  const need = REQUIRED_INPUT[tool];
  if (!need) return undefined;
  const value = (ti as Record<string, unknown> | undefined)?.[need];
  if (typeof value !== "string" || value.trim() === "")
    return `${tool} needs tool_input.${need} as a non-empty string, got ${value === undefined ? "none" : JSON.stringify(value)?.slice(0, 40)}`;
  return undefined;
}
