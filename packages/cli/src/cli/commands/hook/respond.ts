import type { Mode } from "@trusera/core";
import { malformedToolInput, type PreToolUseInput, toolCallRequest } from "../../../govern/claude-tools.js";
import type { Answer, DecisionRequest } from "../../../govern/protocol.js";
import { deny, type HookOutput, noDecision } from "./answer.js";

export interface RespondOptions {
  /** The mode, known before the input is read; undefined when it could not be read (fails closed). */
  mode: Mode | undefined;
  cwd: string;
  stderr: (s: string) => void;
  deadlineMs: number;
  /** When the deadline started counting (the process start: loading and stdin included). */
  startedAt: number;
  /** Decides a well-formed call: the session's daemon, or in-process. */
  decide: (input: PreToolUseInput, req: DecisionRequest) => Promise<Answer>;
  /** Called once the answer is settled (e.g. to stop a decision thread the deadline overtook). */
  cleanup?: () => void;
}

/**
 * The hook's protocol around one decision, the same for every way of deciding: input checks in a
 * fixed order, the deadline (which holds while `decide` runs), and what a failure means in the mode.
 * Light on purpose: the hook's fast entry loads it without the engine. Never throws.
 */
export async function respond(inputText: string, o: RespondOptions): Promise<HookOutput> {
  const failure = (why: string) => noDecision(o.mode, why, o.stderr);
  const late = () => failure(`no answer within ${o.deadlineMs} ms`);
  // Past the deadline already (a slow start, stdin late): the deadline's answer, whatever came in.
  if (Date.now() - o.startedAt >= o.deadlineMs) return late();
  let input: PreToolUseInput;
  try {
    input = JSON.parse(inputText) as PreToolUseInput;
  } catch {
    return failure("the hook input is not JSON");
  }
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return failure("the hook input is not an object");
  if (input.hook_event_name !== undefined && input.hook_event_name !== "PreToolUse") return {};
  const malformed = malformedToolInput(input);
  if (malformed) return failure(`malformed hook input: ${malformed}`);
  const req = toolCallRequest(input, o.cwd);
  if (!req) return failure("the hook input names no tool");

  const left = o.deadlineMs - (Date.now() - o.startedAt);
  if (left <= 0) return late();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HookOutput>((resolve) => {
    timer = setTimeout(() => resolve(late()), left);
  });
  const work = (async (): Promise<HookOutput> => {
    const answer = await o.decide(input, req);
    if (answer.verdict === "block") return deny(answer.message);
    if (answer.verdict === "error") return failure(answer.message);
    return {};
  })().catch((err: unknown) => failure((err as Error)?.message ?? String(err)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    o.cleanup?.();
  }
}
