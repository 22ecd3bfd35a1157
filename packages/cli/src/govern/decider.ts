import { isAbsolute, resolve } from "node:path";
import {
  type ActionClass,
  GovernanceSession,
  type GovernedAction,
  type Governor,
  type HashRef,
  isActionClass,
  type JsonObject,
  type ReceiptWriter,
  SHELL_ONLY_BUILTINS,
  shellCommandString,
  splitShellCommand,
  type TimedDecision,
} from "@trusera/core";
import { blockMessage } from "./block-message.js";
import type { Answer, Channel, DecisionRequest } from "./protocol.js";

export interface DeciderOptions {
  agentId: string;
  /** Ties the receipts of one `run` together: `<session>/<channel>:<n>`. */
  correlation: string;
  /** Where the policy came from, for the blocked line. */
  policyWhere: string;
  home: string;
  /** Merged into every receipt's metadata (e.g. the session id). */
  metadata?: JsonObject;
  /** This installation's Claude Code hook command (see `isOwnHook`). */
  ownHook?: OwnHook;
}

/** How this installation's `hook claude` is started: `<node> <cli> hook claude`, or wrap's launcher. */
export interface OwnHook {
  node: string;
  cli: string;
  /** `<state>/wrap/hook-claude` (wrap/hook-launcher.ts), what Claude Code's settings name. */
  launcher: string;
}

interface Planned {
  action: GovernedAction;
  /** How a person would name it. */
  text: string;
}

const programName = (a: GovernedAction) =>
  a.kind === "command" ? a.binary.slice(a.binary.lastIndexOf("/") + 1) : undefined;

const MAX_SHELL_DEPTH = 4;

/**
 * Turns one request from any channel (a shim, the Node or Python guard, the Claude Code hook, `run`
 * itself) into decisions and sealed receipts, through one GovernanceSession per channel over the same
 * Governor and ReceiptWriter. Synchronous: the daemon answers from it, and so does the cold fallback.
 */
export class Decider {
  private readonly sessions = new Map<Channel, GovernanceSession>();

  constructor(
    readonly governor: Governor,
    readonly writer: ReceiptWriter,
    private readonly options: DeciderOptions,
  ) {}

  private session(channel: Channel): GovernanceSession {
    let s = this.sessions.get(channel);
    if (!s) {
      s = new GovernanceSession(this.governor, this.writer, {
        agentId: this.options.agentId,
        connector: `transient-trace/${channel}`,
        correlation: `${this.options.correlation}/${channel}`,
      });
      this.sessions.set(channel, s);
    }
    return s;
  }

  /** Decides and seals; an action that is blocked as a whole seals every part as `blocked`. */
  decide(req: DecisionRequest, extra: { inputHash?: HashRef; launch?: boolean } = {}): Answer {
    const planned = this.plan(req);
    if (planned.length === 0) return { verdict: "allow", message: "", receipts: [] };
    const session = this.session(req.channel);
    const decided: { p: Planned; d: TimedDecision }[] = planned.map((p) => ({
      p,
      d: session.decide(p.action),
    }));
    // The program the operator hands `run` is the agent being launched: only a rule that matches it
    // can stop it, never `defaultAction`, which governs what the agent then does. Otherwise the
    // seed's own example (a deny-by-default policy, then `run ... claude -p`) could never start.
    if (
      extra.launch &&
      req.kind === "exec" &&
      decided.length === 1 &&
      shellCommandString(req.binary, req.args) === undefined
    ) {
      const only = decided[0]!;
      if (only.d.outcome === "deny" && only.d.reasonCode === "default_deny") {
        only.d = { ...only.d, outcome: "allow", block: false, reasonCode: "operator_launch" };
      }
    }
    const blocking = decided.find((x) => x.d.block);
    const receipts: string[] = [];
    for (const { p, d } of decided) {
      const sealed = session.seal(p.action, d, blocking ? "blocked" : "executed", {
        metadata: this.options.metadata,
        inputHash: extra.inputHash,
      });
      receipts.push(sealed.receipt_id);
    }
    if (!blocking) return { verdict: "allow", message: "", receipts };
    return {
      verdict: "block",
      message: blockMessage(
        blocking.p.text,
        blocking.d,
        { document: this.governor.policy, where: this.options.policyWhere },
        programName(blocking.p.action),
      ),
      receipts,
    };
  }

  /**
   * Claude Code starting this installation's own PreToolUse hook (`<launcher> hook claude` or
   * `<node> <cli> hook claude`, through a shell). Not an action: the hook runs nothing and decides
   * the tool call itself. Deciding it let a deny-by-default policy block the hook's start, and a hook
   * that fails to start is not a block for Claude Code: its Write, Edit, WebFetch and MCP calls then
   * ran undecided. Matched on exact paths (and a program named node), so nothing else passes.
   */
  private isOwnHook(program: string, args: readonly string[]): boolean {
    const own = this.options.ownHook;
    if (!own) return false;
    const at =
      program === own.launcher
        ? 0
        : (program === own.node || program.slice(program.lastIndexOf("/") + 1) === "node") &&
            args[0] === own.cli
          ? 1
          : -1;
    return at >= 0 && args[at] === "hook" && args[at + 1] === "claude";
  }

  /** The actions a request stands for: one command, the commands of a shell string, or one action. */
  plan(req: DecisionRequest): Planned[] {
    if (req.kind === "action") {
      const a = req.action;
      if (!isActionClass(a.actionClass)) throw new Error(`unknown action class ${a.actionClass}`);
      return [
        {
          action: {
            kind: "action",
            action: a.action,
            target: a.target,
            actionClass: a.actionClass as ActionClass,
            hosts: a.hosts,
            paths: a.paths?.map((p) => this.absolute(p, req.cwd)),
          },
          text: a.target.startsWith("mcp__") ? a.target : `${a.action} ${a.target}`,
        },
      ];
    }
    if (req.kind === "shell") return this.planShell(req.command, req.cwd, 0, new Set(req.skip ?? []));
    const inner = shellCommandString(req.binary, req.args);
    if (inner !== undefined) return this.planShell(inner, req.cwd, 0, new Set());
    if (this.isOwnHook(req.binary, req.args)) return [];
    return [this.command(req.binary, req.args, req.cwd)];
  }

  private command(binary: string, args: readonly string[], cwd: string): Planned {
    const name = binary.slice(binary.lastIndexOf("/") + 1);
    return { action: { kind: "command", binary, args, cwd }, text: [name, ...args].join(" ") };
  }

  private planShell(text: string, cwd: string, depth: number, skip: ReadonlySet<string>): Planned[] {
    if (depth > MAX_SHELL_DEPTH) return [this.command("sh", ["-c", text], cwd)];
    const split = splitShellCommand(text);
    const out: Planned[] = [];
    let dir = cwd;
    for (const argv of split.commands) {
      const [program, ...args] = argv as [string, ...string[]];
      if (program === "cd") {
        const to = args.find((a) => !a.startsWith("-"));
        if (to === undefined || to === "~") dir = this.options.home;
        else if (!/[$`*?]/.test(to)) dir = this.absolute(to, dir);
        continue;
      }
      if (SHELL_ONLY_BUILTINS.has(program) || skip.has(program) || this.isOwnHook(program, args)) continue;
      // `eval ARGS` runs its arguments as shell text, as `sh -c` does.
      const inner = program === "eval" ? args.join(" ") : shellCommandString(program, args);
      if (inner !== undefined) {
        out.push(...this.planShell(inner, dir, depth + 1, skip));
        continue;
      }
      out.push(this.command(program, args, dir));
    }
    for (const file of split.writes) {
      // Redirections to the terminal or nowhere write no file.
      if (/^\/dev\/(null|stdout|stderr|tty|fd\/\d+)$/.test(file)) continue;
      const path = this.absolute(file, cwd);
      out.push({
        action: {
          kind: "action",
          action: "file.write",
          target: path,
          actionClass: "write_low",
          paths: [path],
        },
        text: `> ${file}`,
      });
    }
    return out;
  }

  private absolute(p: string, cwd: string): string {
    if (p === "~" || p.startsWith("~/")) return resolve(this.options.home, `.${p.slice(1)}`);
    return isAbsolute(p) ? resolve(p) : resolve(cwd, p);
  }
}
