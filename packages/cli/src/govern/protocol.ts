/**
 * The decision daemon's wire format, one request and one answer per connection. NUL-separated fields,
 * because that is what a bash shim can write with `printf '%s\0' "$@"` and what no argv string can
 * contain; the answer is lines, because that is what `read -r` reads.
 *
 * Request:  TT1 \0 token \0 channel \0 kind \0 cwd \0 count \0 field_1 \0 … field_count \0
 *   kind `exec`:   fields are the program (a path) and its arguments
 *   kind `shell`:  a shell command string (`sh -c` text, Claude Code's Bash tool), then the program
 *                  names in it that PATH shims will decide themselves (skipped here, so not sealed twice)
 *   kind `action`: one field, JSON `{ action, target, actionClass, hosts?, paths? }`
 * Answer:   verdict \n message \n receipt ids (space-separated) \n
 *   verdict `allow` (run it), `block` (do not; print message, exit 126) or `error` (no decision: the
 *   caller applies its mode's fallback).
 *
 * Dependency-free: bundled into the Node preload, which must stay small.
 */
export const PROTOCOL_MAGIC = "TT1";
/** A request larger than this is refused (an argv this large is not a real command line). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export const CHANNELS = ["run", "shell", "node", "python", "claude-hook"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface ActionInput {
  action: string;
  target: string;
  actionClass: string;
  hosts?: string[];
  paths?: string[];
}

export type DecisionRequest =
  | { kind: "exec"; channel: Channel; cwd: string; binary: string; args: string[] }
  | { kind: "shell"; channel: Channel; cwd: string; command: string; skip?: string[] }
  | { kind: "action"; channel: Channel; cwd: string; action: ActionInput };

export interface Answer {
  verdict: "allow" | "block" | "error";
  /** For `block`: the one line to print on stderr. For `error`: why there is no decision. */
  message: string;
  receipts: string[];
}

export function encodeRequest(token: string, req: DecisionRequest): Buffer {
  const fields =
    req.kind === "exec"
      ? [req.binary, ...req.args]
      : req.kind === "shell"
        ? [req.command, ...(req.skip ?? [])]
        : [JSON.stringify(req.action)];
  const parts = [PROTOCOL_MAGIC, token, req.channel, req.kind, req.cwd, String(fields.length), ...fields];
  return Buffer.from(`${parts.map((p) => p.replace(/\0/g, "")).join("\0")}\0`, "utf8");
}

export type ParseResult =
  | { state: "incomplete" }
  | { state: "error"; message: string }
  | { state: "done"; token: string; request: DecisionRequest };

/** Parses a request from the bytes received so far. */
export function parseRequest(buf: Buffer): ParseResult {
  if (buf.length > MAX_REQUEST_BYTES) return { state: "error", message: "request too large" };
  const fields: string[] = [];
  let start = 0;
  let need = 6;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0) continue;
    fields.push(buf.toString("utf8", start, i));
    start = i + 1;
    if (fields.length === 1 && fields[0] !== PROTOCOL_MAGIC) return { state: "error", message: "bad magic" };
    if (fields.length === 6) {
      const count = Number(fields[5]);
      if (!Number.isInteger(count) || count < 1 || count > 100_000)
        return { state: "error", message: "bad field count" };
      need = 6 + count;
    }
    if (fields.length === need && need > 6) break;
  }
  if (fields.length < need || need === 6) return { state: "incomplete" };
  const [, token, channel, kind, cwd] = fields as [string, string, string, string, string];
  const rest = fields.slice(6);
  if (!(CHANNELS as readonly string[]).includes(channel))
    return { state: "error", message: `unknown channel ${channel}` };
  const ch = channel as Channel;
  if (kind === "exec") {
    const [binary, ...args] = rest;
    return { state: "done", token, request: { kind, channel: ch, cwd, binary: binary!, args } };
  }
  if (kind === "shell") {
    const [command, ...skip] = rest as [string, ...string[]];
    return { state: "done", token, request: { kind, channel: ch, cwd, command, skip } };
  }
  if (kind === "action") {
    let action: unknown;
    try {
      action = JSON.parse(rest[0]!);
    } catch {
      return { state: "error", message: "action is not JSON" };
    }
    if (!isActionInput(action))
      return { state: "error", message: "action needs action, target, actionClass" };
    return { state: "done", token, request: { kind, channel: ch, cwd, action } };
  }
  return { state: "error", message: `unknown kind ${kind}` };
}

function isActionInput(v: unknown): v is ActionInput {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  const strings = (x: unknown) =>
    x === undefined || (Array.isArray(x) && x.every((s) => typeof s === "string"));
  return (
    typeof o.action === "string" &&
    typeof o.target === "string" &&
    typeof o.actionClass === "string" &&
    strings(o.hosts) &&
    strings(o.paths)
  );
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ");

export function encodeAnswer(a: Answer): string {
  return `${a.verdict}\n${oneLine(a.message)}\n${a.receipts.join(" ")}\n`;
}

/** Parses an answer; undefined when it is not one (a truncated or foreign reply). */
export function parseAnswer(text: string): Answer | undefined {
  const lines = text.split("\n");
  const verdict = lines[0];
  if (verdict !== "allow" && verdict !== "block" && verdict !== "error") return undefined;
  if (lines.length < 3) return undefined;
  return { verdict, message: lines[1] ?? "", receipts: (lines[2] ?? "").split(" ").filter(Boolean) };
}
