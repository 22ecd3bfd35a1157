import type * as ChildProcessModule from "node:child_process";
// Straight from the file, not the @trusera/core index: the preload is copied into each session and must
// stand alone (no canonicalize, no engine), so it bundles only this pure module.
import { shellCommandString, splitShellCommand } from "../../../../core/src/policy/shell-split.js";
import { type Answer, type DecisionRequest, encodeRequest } from "../../govern/protocol.js";
import { GUARD_KEY, type GuardConfig, withSessionEnv } from "./config.js";
import { SyncDecider, WORKER_MARK } from "./sync-decider.js";

// Real module objects (not ES namespace copies): patching must change what every caller sees.
const cp = require("node:child_process") as typeof ChildProcessModule;
const fs = require("node:fs") as typeof import("node:fs");
const pathMod = require("node:path") as typeof import("node:path");

const BLOCKER_SCRIPT = 'printf "%s\\n" "$1" >&2; exit 126';
type Env = Record<string, string | undefined>;

interface Verdict {
  block: boolean;
  message: string;
}

/** The answer of a program run under a blocked decision: print the line, exit 126, touch nothing. */
const blockerArgs = (message: string) => ["-c", BLOCKER_SCRIPT, "transient-trace", message];

/**
 * Installs the guard in this Node process: `child_process` (spawn, exec, execFile, fork and their
 * sync forms, absolute paths included) and, when configured, outbound HTTP. Loaded by the session's
 * preload (`NODE_OPTIONS=--require …`); a second install is a no-op.
 */
export function install(config: GuardConfig): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[GUARD_KEY]) return;
  const wt = require("node:worker_threads") as typeof import("node:worker_threads");
  // Not in our own decision worker, nor in trusera-sdk's event thread (workerData.__truseraEventThread),
  // which builds events and never makes a call.
  const data = wt.isMainThread ? null : (wt.workerData as Record<string, unknown> | null);
  if (data?.[WORKER_MARK] || data?.__truseraEventThread) return;
  // What `transient-trace run` started inside this process looks for: it joins this session instead
  // of starting a (possibly weaker) one, whatever the environment says.
  g[GUARD_KEY] = Object.freeze({ session: config.session, mode: config.mode });
  const guard = new NodeGuard(config);
  guard.patchChildProcess();
  if (config.httpGuard) guard.patchHttp(config.httpGuard);
  // ESM `import { spawn } from "node:child_process"` reads a snapshot: refresh it with our functions.
  (require("node:module") as { syncBuiltinESMExports(): void }).syncBuiltinESMExports();
}

class NodeGuard {
  private readonly client: SyncDecider;
  private readonly origSpawnSync = cp.spawnSync;
  private warned = false;

  constructor(private readonly config: GuardConfig) {
    this.client = new SyncDecider(config.socket);
  }

  // ---- deciding -------------------------------------------------------------------------------------

  private decide(req: DecisionRequest, what: string): Verdict {
    let answer: Answer | undefined;
    try {
      answer = this.client.ask(encodeRequest(this.config.token, req), this.config.timeoutMs);
      if (!answer || answer.verdict === "error") answer = this.fallback(req);
    } catch {
      answer = undefined;
    }
    if (answer?.verdict === "allow") return { block: false, message: "" };
    if (answer?.verdict === "block") return { block: true, message: answer.message };
    if (this.config.mode === "audit") {
      if (!this.warned) {
        this.warned = true;
        process.stderr.write(
          "transient-trace: warning: the decision daemon is unreachable; audit mode lets commands run without receipts\n",
        );
      }
      return { block: false, message: "" };
    }
    return {
      block: true,
      message: `transient-trace: blocked "${what.slice(0, 120)}": no decision could be made (decision daemon and fallback unavailable) and ${this.config.mode} mode fails closed`,
    };
  }

  /** The daemon is gone: decide in a cold process from the session file (slow, still decided and sealed). */
  private fallback(req: DecisionRequest): Answer | undefined {
    const args = [
      this.config.cli,
      "hook",
      "exec",
      "--session",
      this.config.session,
      "--channel",
      req.channel,
    ];
    args.push("--cwd", req.cwd);
    if (req.kind === "exec") args.push("--", req.binary, ...req.args);
    else if (req.kind === "shell") args.push("--shell", req.command);
    else args.push("--action", JSON.stringify(req.action));
    const env: Env = { ...process.env, NODE_OPTIONS: "" };
    const r = this.origSpawnSync(this.config.node, args, { env, encoding: "utf8", timeout: 30_000 });
    if (r.status === 0) return { verdict: "allow", message: "", receipts: [] };
    if (r.status === 126) {
      const line = (r.stderr ?? "").trim().split("\n").pop() ?? "transient-trace: blocked";
      return { verdict: "block", message: line, receipts: [] };
    }
    return undefined;
  }

  /**
   * What running `file` with `argv` means: the program it resolves to (a shim is left to decide for
   * itself), or, for `sh -c STRING`, the string, minus the programs that PATH shims will decide.
   */
  private requestFor(
    file: string,
    argv: readonly string[],
    cwd: string,
    env: Env,
  ): DecisionRequest | undefined {
    const resolved = this.resolve(file, cwd, env.PATH);
    if (resolved?.shimmed) return undefined;
    const binary = resolved?.path ?? file;
    return { kind: "exec", channel: "node", cwd, binary, args: [...argv.slice(1)] };
  }

  private resolve(
    file: string,
    cwd: string,
    pathEnv: string | undefined,
  ): { path: string; shimmed: boolean } | undefined {
    const check = (p: string) => {
      try {
        const st = fs.statSync(p);
        if (!st.isFile()) return undefined;
        fs.accessSync(p, fs.constants.X_OK);
      } catch {
        return undefined;
      }
      // Only this session's own shims are trusted to decide for themselves.
      return { path: p, shimmed: pathMod.dirname(p) === this.config.binDir };
    };
    if (file.includes("/")) return check(pathMod.resolve(cwd, file));
    for (const dir of (pathEnv ?? "").split(":")) {
      const hit = check(pathMod.resolve(cwd, dir || ".", file));
      if (hit) return hit;
    }
    return undefined;
  }

  /** Names in a shell string that PATH shims will decide when the shell runs them. */
  private shimmedNames(command: string, cwd: string, pathEnv: string | undefined): string[] {
    if (/\bPATH=/.test(command)) return [];
    const names = new Set<string>();
    try {
      for (const argv of splitShellCommand(command).commands) {
        const name = argv[0]!;
        if (!name.includes("/") && this.resolve(name, cwd, pathEnv)?.shimmed) names.add(name);
      }
    } catch {}
    return [...names];
  }

  private guardRequest(file: string, argv: readonly string[], cwd: string, env: Env): Verdict {
    const req = this.requestFor(file, argv, cwd, env);
    if (!req) return { block: false, message: "" };
    if (req.kind === "exec") {
      const inner = shellCommandString(req.binary, req.args);
      if (inner !== undefined) {
        const skip = this.shimmedNames(inner, cwd, env.PATH);
        return this.decide({ kind: "shell", channel: "node", cwd, command: inner, skip }, inner);
      }
    }
    return this.decide(req, [file, ...argv.slice(1)].join(" "));
  }

  // ---- child_process --------------------------------------------------------------------------------

  patchChildProcess(): void {
    const self = this;
    const proto = cp.ChildProcess.prototype as unknown as { spawn(o: SpawnOptionsInternal): unknown };
    const origSpawn = proto.spawn;
    // spawn, exec, execFile and fork all end here with normalized options (file, args with argv0,
    // cwd, envPairs), `shell: true` already turned into `/bin/sh -c`.
    proto.spawn = function spawn(this: unknown, options: SpawnOptionsInternal) {
      try {
        if (options && typeof options.file === "string" && Array.isArray(options.args)) {
          const env = envFromPairs(options.envPairs);
          const cwd = options.cwd ? pathMod.resolve(options.cwd) : process.cwd();
          const v = self.guardRequest(options.file, options.args, cwd, env);
          if (v.block) {
            options.file = "/bin/sh";
            options.args = ["sh", ...blockerArgs(v.message)];
          }
          options.envPairs = pairsFromEnv(withSessionEnv(env, self.config));
        }
      } catch (err) {
        if (self.config.mode !== "audit") {
          options.file = "/bin/sh";
          options.args = [
            "sh",
            ...blockerArgs(
              `transient-trace: blocked: the guard failed (${(err as Error)?.message}) and ${self.config.mode} mode fails closed`,
            ),
          ];
        }
      }
      return origSpawn.call(this, options);
    };

    const origSpawnSync = cp.spawnSync;
    const origExecFileSync = cp.execFileSync;
    const origExecSync = cp.execSync;
    const syncWrap =
      (orig: (...a: never[]) => unknown) =>
      (file: string, argsOrOptions?: unknown, maybeOptions?: unknown) => {
        const args = Array.isArray(argsOrOptions) ? (argsOrOptions as string[]) : [];
        const options = ((Array.isArray(argsOrOptions) ? maybeOptions : argsOrOptions) ?? {}) as SyncOptions;
        const prepared = self.prepareSync(file, args, options);
        return (orig as (...a: unknown[]) => unknown)(prepared.file, prepared.args, prepared.options);
      };
    cp.spawnSync = syncWrap(origSpawnSync as never) as typeof cp.spawnSync;
    cp.execFileSync = syncWrap(origExecFileSync as never) as typeof cp.execFileSync;
    cp.execSync = ((command: string, options?: SyncOptions) => {
      const opts = { ...(options ?? {}) };
      const shell = typeof opts.shell === "string" ? opts.shell : "/bin/sh";
      const prepared = self.prepareSync(shell, ["-c", String(command)], { ...opts, shell: false });
      if (prepared.file === "/bin/sh" && prepared.args[1] === BLOCKER_SCRIPT)
        return origExecFileSync(prepared.file, prepared.args, prepared.options as never);
      return origExecSync(String(command), { ...prepared.options, shell: opts.shell } as never);
    }) as typeof cp.execSync;
  }

  /** Decides a sync call; returns what to run instead (the blocker) or the call with the session env. */
  private prepareSync(
    file: string,
    args: string[],
    options: SyncOptions,
  ): { file: string; args: string[]; options: SyncOptions } {
    const env = withSessionEnv((options.env ?? process.env) as Env, this.config);
    const cwd = options.cwd ? pathMod.resolve(String(options.cwd)) : process.cwd();
    let argv = [file, ...args];
    let program = file;
    if (options.shell) {
      // Node joins file and args into one string for the shell.
      program = typeof options.shell === "string" ? options.shell : "/bin/sh";
      argv = [program, "-c", [file, ...args].join(" ")];
    }
    let v: Verdict;
    try {
      v = this.guardRequest(program, argv, cwd, env);
    } catch (err) {
      v =
        this.config.mode === "audit"
          ? { block: false, message: "" }
          : {
              block: true,
              message: `transient-trace: blocked: the guard failed (${(err as Error)?.message}) and ${this.config.mode} mode fails closed`,
            };
    }
    if (v.block)
      return { file: "/bin/sh", args: blockerArgs(v.message), options: { ...options, shell: false, env } };
    return { file, args, options: { ...options, env } };
  }

  // ---- HTTP -----------------------------------------------------------------------------------------

  patchHttp(httpGuard: string): void {
    const { installHttpGuard } = require(httpGuard) as typeof import("./http-guard.js");
    installHttpGuard((method, url) => {
      const target = `${method} ${url.protocol}//${url.host}${url.pathname}`;
      return this.decide(
        {
          kind: "action",
          channel: "node",
          cwd: process.cwd(),
          action: {
            action: "http.request",
            target,
            actionClass: "network",
            hosts: [url.hostname.replace(/^\[|\]$/g, "")],
          },
        },
        target,
      );
    });
  }
}

interface SpawnOptionsInternal {
  file: string;
  args: string[];
  cwd?: string;
  envPairs?: string[];
}

interface SyncOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string | URL;
  shell?: boolean | string;
  [k: string]: unknown;
}

function envFromPairs(pairs: string[] | undefined): Env {
  if (!pairs) return { ...process.env };
  const env: Env = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq > 0) env[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return env;
}

function pairsFromEnv(env: Env): string[] {
  return Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
}
