import { homedir } from "node:os";
import {
  ConfigurationError,
  contentHash,
  GovernanceSession,
  Governor,
  type HashRef,
  isActionClass,
  isJsonObject,
  isMode,
  type JsonObject,
  loadPolicy,
  type Mode,
  type PolicyDocument,
  ReceiptWriter,
  resolveStateDir,
  type SealedReceipt,
  validatePolicy,
} from "@trusera/core";
import { DeniedError } from "./denied-error.js";
import type { ActionOptions, ActionResult, ClientConfig, ReceiptWithOutcome } from "./options.js";

function resolvePolicy(policy: ClientConfig["policy"]): PolicyDocument {
  if (policy === undefined || typeof policy === "string") return loadPolicy({ flag: policy }).policy;
  const checked = validatePolicy(policy);
  if (!checked.ok)
    throw new ConfigurationError(
      `invalid policy: ${checked.errors.map((e) => `${e.pointer}: ${e.message}`).join("; ")}`,
    );
  return checked.policy;
}

function hashOf(value: unknown): HashRef | undefined {
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return undefined;
  if (typeof value === "object" && value !== null) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return undefined;
  }
  try {
    return contentHash(value);
  } catch {
    return undefined; // not JSON (a cycle, a BigInt): nothing to hash
  }
}

/**
 * The governance client: decides every action with the policy, runs it only when allowed, and
 * seals a signed, chained receipt of every decision, denials included.
 */
export class TransientTraceClient {
  readonly agentId: string;
  readonly mode: Mode;
  readonly stateDir: string;
  private readonly policy: PolicyDocument;
  private readonly connector: string;
  private readonly writer: ReceiptWriter;
  private session: Promise<GovernanceSession> | undefined;

  constructor(config: ClientConfig) {
    if (!isJsonObject(config))
      throw new ConfigurationError("Client_init needs an options object: { agentId, policy }");
    if (typeof config.agentId !== "string" || config.agentId.trim() === "")
      throw new ConfigurationError("agentId must be a non-empty string");
    if (config.mode !== undefined && !isMode(config.mode))
      throw new ConfigurationError(
        `mode must be audit, strict or permissive, got ${JSON.stringify(config.mode)}`,
      );
    this.agentId = config.agentId;
    this.mode = config.mode ?? "strict";
    this.policy = resolvePolicy(config.policy);
    this.connector = config.connector ?? "transient-trace/sdk";
    this.stateDir = config.stateDir ?? resolveStateDir().dir;
    this.writer = new ReceiptWriter(this.stateDir, { sinks: config.sinks, fsync: config.fsync });
  }

  /**
   * Loads the policy engine and compiles the policy (about 35 ms, once per process), which the first
   * action otherwise pays for. Optional.
   */
  async ready(): Promise<void> {
    await this.governance();
  }

  private governance(): Promise<GovernanceSession> {
    this.session ??= Governor.create({ policy: this.policy, mode: this.mode, home: homedir() }).then(
      (governor) =>
        new GovernanceSession(governor, this.writer, { agentId: this.agentId, connector: this.connector }),
    );
    return this.session;
  }

  /**
   * Decides the action, runs `fn` when allowed, and returns its result with the sealed receipt.
   * @throws {DeniedError} `Denied: <reason_code>` when the policy denies it and the mode blocks;
   * the receipt (`execution_status: "blocked"`) is written first.
   * @throws whatever `fn` throws, after writing a receipt with `execution_status: "error"`.
   * @example
   * const client = Client_init({ agentId: "my-agent", policy });
   * const { result, receipt } = await client.executeActionWithReceipt(() => db.read(id), {
   *   target: `users/${id}`,
   *   action_class: "read",
   * });
   */
  async executeActionWithReceipt<T>(
    fn: () => T | Promise<T>,
    options: ActionOptions,
  ): Promise<ActionResult<Awaited<T>>> {
    if (typeof fn !== "function")
      throw new ConfigurationError("executeActionWithReceipt needs a function to run");
    if (!isJsonObject(options))
      throw new ConfigurationError("executeActionWithReceipt needs { target, action_class }");
    if (!isActionClass(options.action_class))
      throw new ConfigurationError(
        `action_class must be one of read, write_low, write_high, delete, network, exec, got ${JSON.stringify(options.action_class)}`,
      );
    const target: JsonObject =
      typeof options.target === "string" ? { id: options.target } : { ...options.target };
    const targetText =
      typeof options.target === "string"
        ? options.target
        : typeof target.id === "string"
          ? target.id
          : JSON.stringify(target);
    const session = await this.governance();
    const action = {
      kind: "action" as const,
      action: options.action ?? "execute",
      target: targetText,
      actionClass: options.action_class,
      hosts: options.hosts,
      paths: options.paths,
    };
    const decision = session.decide(action);
    const base = { target, context: options.context, inputHash: hashOf(options.input) };

    if (decision.block)
      throw new DeniedError(
        decision.reasonCode,
        withOutcome(session.seal(action, decision, "blocked", base)),
      );
    let result: Awaited<T>;
    try {
      result = await fn();
    } catch (err) {
      session.seal(action, decision, "error", {
        ...base,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      throw err;
    }
    return {
      result,
      receipt: withOutcome(
        session.seal(action, decision, "executed", { ...base, outputHash: hashOf(result) }),
      ),
    };
  }

  /** Flushes the log and the sinks. The client can still be used afterwards (the log reopens). */
  async close(): Promise<void> {
    await this.writer.close();
  }
}

/** `receipt.outcome` as the seed reads it: the decision's outcome, not a signed field of its own. */
function withOutcome(receipt: SealedReceipt): ReceiptWithOutcome {
  return Object.defineProperty(receipt, "outcome", {
    get: () => receipt.decision.outcome,
    enumerable: false,
  }) as ReceiptWithOutcome;
}

/**
 * Makes a governance client (the name and shape of the Python SDK's `Client_init`).
 * @throws {ConfigurationError} when the options or the policy are not valid.
 */
export function Client_init(config: ClientConfig): TransientTraceClient {
  return new TransientTraceClient(config);
}
