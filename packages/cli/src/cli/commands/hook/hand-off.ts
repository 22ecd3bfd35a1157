import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isMode, type Mode } from "@trusera/core/light";
import { askDaemon } from "../../../govern/ask-daemon.js";
import type { Answer, DecisionRequest } from "../../../govern/protocol.js";
import { GUARD_KEY, SESSION_ENV } from "../../../guard/node/config.js";

/** What the hand-off needs from a session file: no policy (the daemon holds it), so nothing heavy. */
export interface DaemonRef {
  dir: string;
  mode: Mode;
  socket: string;
  token: string;
}

/**
 * The running session's daemon, if the hook runs inside one (the guard's mark, else
 * $TRANSIENT_TRACE_SESSION, as `hookClaude` finds it) and the session has not ended. Undefined
 * otherwise, and for anything unexpected: the full path then decides, and says what went wrong.
 */
export function runningDaemon(env: Record<string, string | undefined>): DaemonRef | undefined {
  const mark = (globalThis as Record<symbol, unknown>)[GUARD_KEY] as { session?: string } | undefined;
  const dir = mark?.session ?? env[SESSION_ENV];
  if (!dir) return undefined;
  const file = join(dir, "session.json");
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (r.version !== 1 || !isMode(r.mode) || r.ended_at) return undefined;
    if (typeof r.socket !== "string" || typeof r.token !== "string" || typeof r.state_dir !== "string")
      return undefined;
    return { dir, mode: r.mode, socket: r.socket, token: r.token };
  } catch {
    return undefined;
  }
}

/**
 * Hands a call to the session's daemon: its policy, mode, receipt chain. When the daemon cannot
 * answer (gone, or no decision), `fallback` decides in this process from the session file as the
 * full path does, so a receipt is still sealed in the same chain.
 */
export async function decideThroughDaemon(
  ref: DaemonRef,
  req: DecisionRequest,
  timeoutMs: number,
  fallback: () => Promise<Answer>,
): Promise<Answer> {
  const answer = await askDaemon(ref, req, timeoutMs);
  if (answer && answer.verdict !== "error") return answer;
  return fallback();
}
