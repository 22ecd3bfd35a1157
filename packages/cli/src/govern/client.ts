import { homedir } from "node:os";
import { Governor, ReceiptWriter } from "@trusera/core";
import { wrapPaths } from "../wrap/manifest.js";
import { askDaemon } from "./ask-daemon.js";
import { Decider } from "./decider.js";
import type { Answer, DecisionRequest } from "./protocol.js";
import type { SessionRecord } from "./session-files.js";

export { askDaemon } from "./ask-daemon.js";

/**
 * A Decider built in this process from a session file: the cold path when the daemon is gone (about
 * 40 ms for the engine, once). Same policy, mode, agent and state directory as the daemon, so the
 * receipts join the same chain; the correlation says they came from a fallback.
 */
export async function deciderFromSession(record: SessionRecord): Promise<Decider> {
  const governor = await Governor.create({ policy: record.policy, mode: record.mode, home: homedir() });
  return new Decider(governor, new ReceiptWriter(record.state_dir), {
    agentId: record.agent_id,
    correlation: `${record.id}-fallback-${process.pid}`,
    policyWhere: record.policy_where,
    home: homedir(),
    metadata: { run_id: record.id, fallback: true },
    ownHook: { node: record.node, cli: record.cli, launcher: wrapPaths(record.state_dir).hookLauncher },
  });
}

/**
 * Decides a request for a session: by its daemon, else in this process from the session file. Throws
 * only when neither could decide (the caller applies its mode's fail-closed rule).
 */
export async function decideForSession(record: SessionRecord, req: DecisionRequest): Promise<Answer> {
  const answer = record.ended_at ? undefined : await askDaemon(record, req);
  if (answer && answer.verdict !== "error") return answer;
  const decider = await deciderFromSession(record);
  try {
    return decider.decide(req);
  } finally {
    await decider.writer.close();
  }
}
