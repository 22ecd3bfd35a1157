import type { CompiledPolicySet } from "../cedar/engine.js";
import { compilePolicySetSync, DEFAULT_ALLOW_POLICY_ID, loadCedar } from "../cedar/engine.js";
import { agentActionRequest, commandRequest, REQUEST_MODEL_SCHEMA } from "../cedar/request-model.js";
import type { CedarRequest } from "../cedar/types.js";
import { ConfigurationError } from "../errors.js";
import { canonicalJson } from "../receipts/canonical.js";
import { sha256Hex } from "../receipts/hash.js";
import { type ActionClass, isActionClass } from "./action-classes.js";
import { classifyCommand } from "./classify.js";
import { type PolicyDocument, validatePolicy } from "./document.js";
import type { Mode } from "./mode.js";
import { policyToCedar, policyUses } from "./to-cedar.js";

/** A shell command to decide. The class comes from the classification table unless given. */
export interface CommandAction {
  kind: "command";
  /** As executed: a name (`git`) or a path (`/usr/bin/git`). */
  binary: string;
  args: readonly string[];
  cwd: string;
  actionClass?: ActionClass;
}

/** Any other action: an SDK call, a file edit or web fetch seen by a hook, an MCP tool. */
export interface AgentAction {
  kind: "action";
  /** What is done, e.g. `execute`, `file.write`, `web.fetch`, `mcp.github.create_issue`. */
  action: string;
  /** What it is done to, e.g. a resource id, a URL, a path. Redacted before use. */
  target: string;
  actionClass: ActionClass;
  hosts?: readonly string[];
  paths?: readonly string[];
}

export type GovernedAction = CommandAction | AgentAction;

/** The answer for one action: the policy's verdict, and whether this mode blocks it. */
export interface GovernanceDecision {
  /** What the policy says (what `strict` mode would do). */
  outcome: "allow" | "deny";
  /** Whether the caller must stop the action now, given the mode. */
  block: boolean;
  mode: Mode;
  /** `rule:<id>`, `default_allow`, `default_deny` or `policy_error`. */
  reasonCode: string;
  /** The rules that decided: the matching deny rules for a deny, the matching allow rules otherwise. */
  ruleIds: string[];
  actionClass: ActionClass;
  hosts: string[];
  paths: string[];
  /** For commands: the classification table row that gave the class (e.g. `git push`). */
  classifiedBy?: string;
  /** Evaluation errors the engine reported (an action with errors is denied). */
  errors: string[];
}

export interface GovernorOptions {
  policy: PolicyDocument;
  mode: Mode;
  /** The home directory `~/` in path patterns and command arguments stands for. */
  home?: string;
  /** Engine cache slot; a process that builds many governors should reuse one. */
  slot?: string;
}

/**
 * The one decision core: a policy compiled into Cedar once, a mode fixed at construction, and a
 * synchronous `decide` that takes microseconds. The SDK, `transient-trace run`, shims and hooks all
 * decide through it.
 */
export class Governor {
  readonly mode: Mode;
  readonly policy: PolicyDocument;
  /** Hex SHA-256 of the policy's JCS form: which policy decided, written into every receipt. */
  readonly policyDigest: string;
  /** The generated Cedar text (for `policy check --cedar` and debugging). */
  readonly cedar: string;
  private readonly set: CompiledPolicySet;
  private readonly uses: { hosts: boolean; paths: boolean };
  private readonly rank: Map<string, number>;
  private readonly home: string;

  private constructor(options: GovernorOptions, cedar: string, set: CompiledPolicySet) {
    this.mode = options.mode;
    this.policy = options.policy;
    this.policyDigest = sha256Hex(canonicalJson(options.policy));
    this.cedar = cedar;
    this.set = set;
    this.uses = policyUses(options.policy);
    this.rank = new Map(options.policy.rules.map((r, i) => [r.id, i]));
    this.home = options.home ?? "/";
  }

  /** Loads the engine (once per process) and compiles the policy. */
  static async create(options: GovernorOptions): Promise<Governor> {
    const engine = await loadCedar();
    return Governor.build(engine, options);
  }

  /** `create` for callers that already hold the engine. */
  static build(engine: Awaited<ReturnType<typeof loadCedar>>, options: GovernorOptions): Governor {
    const checked = validatePolicy(options.policy);
    if (!checked.ok)
      throw new ConfigurationError(
        `invalid policy: ${checked.errors.map((e) => `${e.pointer}: ${e.message}`).join("; ")}`,
      );
    const policy = checked.policy;
    const cedar = policyToCedar(policy, { home: options.home });
    const compiled = compilePolicySetSync(engine, cedar, {
      schema: REQUEST_MODEL_SCHEMA,
      defaultDecision: policy.defaultAction,
      slot: options.slot,
    });
    if (!compiled.ok) {
      // Our translation produced Cedar the schema refuses: a bug here, not in the user's file.
      throw new ConfigurationError(
        `policy translation failed: ${compiled.errors.map((e) => `${e.policyId ?? ""} ${e.message}`).join("; ")}`,
      );
    }
    return new Governor({ ...options, policy }, cedar, compiled.policySet);
  }

  /** Decides one action. Never throws for a well-formed action; engine faults deny (`policy_error`). */
  decide(agentId: string, act: GovernedAction): GovernanceDecision {
    let actionClass: ActionClass;
    let hosts: string[];
    let paths: string[];
    let classifiedBy: string | undefined;
    let build: (host: string, path: string) => CedarRequest;
    if (act.kind === "command") {
      const c = classifyCommand(act.binary, act.args, { cwd: act.cwd, home: this.home });
      actionClass = act.actionClass ?? c.actionClass;
      hosts = c.hosts;
      paths = c.paths;
      classifiedBy = act.actionClass ? undefined : c.rule;
      build = (host, path) =>
        commandRequest(agentId, {
          binary: act.binary,
          args: act.args,
          actionClass,
          cwd: act.cwd,
          hosts,
          host,
          path,
        });
    } else {
      if (!isActionClass(act.actionClass))
        throw new ConfigurationError(`unknown action class ${JSON.stringify(act.actionClass)}`);
      actionClass = act.actionClass;
      hosts = [...(act.hosts ?? [])].map((h) => h.toLowerCase());
      paths = [...(act.paths ?? [])];
      build = (host, path) =>
        agentActionRequest(agentId, { action: act.action, target: act.target, actionClass, host, path });
    }
    const hostList = this.uses.hosts && hosts.length > 0 ? hosts : [""];
    const pathList = this.uses.paths && paths.length > 0 ? paths : [""];

    // Every (host, file) pair must be allowed; a deny by a rule settles it at once.
    let denied: { ruleIds: string[]; errors: string[] } | undefined;
    let allowedBy: string[] | undefined;
    const errors: string[] = [];
    outer: for (const host of hostList) {
      for (const path of pathList) {
        const d = this.set.evaluate(build(host, path));
        errors.push(...d.errors);
        if (d.decision === "deny") {
          if (!denied || (denied.ruleIds.length === 0 && d.policyIds.length > 0))
            denied = { ruleIds: d.policyIds, errors: d.errors };
          if (d.policyIds.length > 0) break outer;
        } else {
          allowedBy ??= d.policyIds;
        }
      }
    }
    const base = { mode: this.mode, actionClass, hosts, paths, errors };
    if (classifiedBy) Object.assign(base, { classifiedBy });
    if (denied) {
      const ruleIds = this.order(denied.ruleIds);
      const reasonCode =
        ruleIds.length > 0
          ? `rule:${ruleIds[0]}`
          : denied.errors.length > 0
            ? "policy_error"
            : "default_deny";
      const block =
        this.mode === "strict" ||
        (this.mode === "permissive" && (ruleIds.length > 0 || reasonCode === "policy_error"));
      return { outcome: "deny", block, reasonCode, ruleIds, ...base };
    }
    const ruleIds = this.order((allowedBy ?? []).filter((id) => id !== DEFAULT_ALLOW_POLICY_ID));
    return {
      outcome: "allow",
      block: false,
      reasonCode: ruleIds.length > 0 ? `rule:${ruleIds[0]}` : "default_allow",
      ruleIds,
      ...base,
    };
  }

  private order(ids: readonly string[]): string[] {
    return [...ids].sort((a, b) => (this.rank.get(a) ?? 1e9) - (this.rank.get(b) ?? 1e9));
  }
}
