import { homedir } from "node:os";
import {
  configFilePath,
  contentHash,
  Governor,
  loadPolicy,
  type Mode,
  ReceiptWriter,
  readConfig,
  resolveStateDir,
} from "@trusera/core";
import { type PreToolUseInput, toolCallRequest } from "../../../govern/claude-tools.js";
import { decideForSession } from "../../../govern/client.js";
import { Decider } from "../../../govern/decider.js";
import type { Answer } from "../../../govern/protocol.js";
import { readSessionRecord } from "../../../govern/session-files.js";

/** What the standalone decision needs: plain data, so that it can run in a worker thread. */
export interface HookJob {
  input: PreToolUseInput;
  env: Record<string, string | undefined>;
  cwd: string;
  mode: Mode;
  /** A session directory: decide for that session (its daemon, else from its file), not standalone. */
  session?: string;
}

/** The job's decision: for its session when it names one, else standalone. */
export async function decideHookJob(job: HookJob): Promise<Answer> {
  if (job.session === undefined) return decideStandalone(job);
  const req = toolCallRequest(job.input, job.cwd);
  if (!req) return { verdict: "error", message: "the hook input names no tool", receipts: [] };
  return decideForSession(readSessionRecord(job.session), req);
}

/**
 * Decides one tool call outside a `transient-trace run` session: the project's policy, a Governor
 * (the Cedar engine), a sealed receipt. Heavy and synchronous for up to a second on a cold start,
 * which is why the hook runs it off its main thread, where the deadline timer must stay free to fire.
 */
export async function decideStandalone(job: HookJob): Promise<Answer> {
  const { input, env, cwd, mode } = job;
  const req = toolCallRequest(input, cwd);
  if (!req) return { verdict: "error", message: "the hook input names no tool", receipts: [] };
  const config = readConfig(configFilePath(env));
  // The project's policy: Claude Code runs the hook with the project as cwd.
  const policy = loadPolicy({ env, cwd: input.cwd || cwd });
  const home = homedir();
  const governor = await Governor.create({ policy: policy.policy, mode, home });
  const decider = new Decider(governor, new ReceiptWriter(resolveStateDir(env, config).dir), {
    agentId: "claude-code",
    correlation: `claude-${(input.session_id ?? "").slice(0, 36) || process.pid}`,
    policyWhere: policy.where,
    home,
  });
  try {
    return decider.decide(req, { inputHash: hashOf(input.tool_input) });
  } finally {
    await decider.writer.close();
  }
}

function hashOf(value: unknown) {
  try {
    return value === undefined ? undefined : contentHash(value);
  } catch {
    return undefined;
  }
}
