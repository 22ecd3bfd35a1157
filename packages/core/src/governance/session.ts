import { randomBytes } from "node:crypto";
import type { JsonObject } from "../events/event.js";
import type { GovernanceDecision, GovernedAction, Governor } from "../policy/governor.js";
import { buildActionReceipt } from "../receipts/build.js";
import { nowIso } from "../receipts/clock.js";
import type { ExecutionStatus, HashRef, SealedReceipt } from "../receipts/types.js";
import { redactText } from "../redact/text.js";
import type { ReceiptWriter } from "../state/receipt-writer.js";

/** A decision with the times it was asked for and made, ready to be sealed. */
export interface TimedDecision extends GovernanceDecision {
  requestedAt: string;
  decidedAt: string;
}

export interface SealOptions {
  /** Replaces the target derived from the action (`{ command, binary, cwd }` or `{ id }`). */
  target?: JsonObject;
  /** Merged into `intent.context` (hosts and paths are added from the decision). */
  context?: JsonObject;
  error?: string;
  inputHash?: HashRef;
  outputHash?: HashRef;
  metadata?: JsonObject;
}

/**
 * One agent's governance: a Governor (policy and mode, fixed) and a ReceiptWriter, with the agent id,
 * connector and correlation session filled in. `decide` then `seal` is the whole protocol, used by the
 * SDK client and meant for `transient-trace run`, its daemon and its hooks (issue 7):
 *
 * @example
 * const d = session.decide({ kind: "command", binary: "git", args: ["push"], cwd });
 * if (d.block) { session.seal({ ... }, d, "blocked"); process.exit(126); }
 * session.seal(action, d, "executed");
 */
export class GovernanceSession {
  readonly agentId: string;
  readonly connector: string;
  readonly correlation: string;
  private count = 0;

  constructor(
    readonly governor: Governor,
    readonly writer: ReceiptWriter,
    options: { agentId: string; connector: string; correlation?: string },
  ) {
    this.agentId = options.agentId;
    this.connector = options.connector;
    this.correlation =
      options.correlation ??
      `${options.connector.replace(/^.*\//, "")}-${process.pid}-${randomBytes(4).toString("hex")}`;
  }

  /** Decides an action (synchronous, no I/O). */
  decide(action: GovernedAction): TimedDecision {
    const requestedAt = nowIso();
    const decision = this.governor.decide(this.agentId, action);
    return { ...decision, requestedAt, decidedAt: nowIso() };
  }

  /** Seals the receipt of a decided action: what it was, what the policy said, what happened. */
  seal(
    action: GovernedAction,
    decision: TimedDecision,
    status: ExecutionStatus,
    options: SealOptions = {},
  ): SealedReceipt {
    const context: JsonObject = {};
    if (action.kind === "command") context.cwd = action.cwd;
    Object.assign(context, options.context);
    if (decision.hosts.length > 0) context.hosts = decision.hosts;
    if (decision.paths.length > 0) context.paths = decision.paths;
    if (decision.classifiedBy) context.classified_by = decision.classifiedBy;
    const target: JsonObject =
      options.target ??
      (action.kind === "command"
        ? {
            command: [
              action.binary.slice(action.binary.lastIndexOf("/") + 1),
              ...action.args.map(redactText),
            ].join(" "),
            binary: action.binary,
          }
        : { id: action.target });
    return this.writer.record(
      buildActionReceipt({
        actorId: this.agentId,
        connector: this.connector,
        action: action.kind === "command" ? "shell_exec" : action.action,
        actionClass: decision.actionClass,
        target,
        context,
        decision: { ...decision, policyDigest: this.governor.policyDigest },
        executionStatus: status,
        requestedAt: decision.requestedAt,
        decidedAt: decision.decidedAt,
        correlationId: `${this.correlation}:${++this.count}`,
        inputHash: options.inputHash,
        outputHash: options.outputHash,
        error: options.error,
        metadata: options.metadata,
      }),
    );
  }
}
