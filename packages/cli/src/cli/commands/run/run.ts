import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import {
  configFilePath,
  ensurePrivateDir,
  Governor,
  loadPolicy,
  ReceiptWriter,
  readConfig,
  resolveMode,
  resolveStateDir,
} from "@trusera/core";
import { decideForSession } from "../../../govern/client.js";
import { Decider } from "../../../govern/decider.js";
import { DecisionServer } from "../../../govern/decision-server.js";
import {
  MONITORED_BINARIES,
  markEnded,
  newSessionId,
  newToken,
  precompilePython,
  pruneSessions,
  readSessionRecord,
  type SessionRecord,
  sessionPaths,
  socketPathFor,
  writeSessionFiles,
} from "../../../govern/session-files.js";
import { findProgram } from "../../../govern/which.js";
import { GUARD_KEY, SESSION_ENV, withSessionEnv } from "../../../guard/node/config.js";
import { wrapPaths } from "../../../wrap/manifest.js";
import type { CommandSpec } from "../../command.js";
import { CliError, EXIT, usageError } from "../../errors.js";
import type { CliIo } from "../../io.js";
import { cliEntry } from "../wrap/cli-entry.js";
import { parseRunArgs, type RunArgs } from "./args.js";

/** Exit code of a blocked command (as a shell's "found but cannot run"). */
export const EXIT_BLOCKED = 126;
export const EXIT_NOT_FOUND = 127;

type Env = Record<string, string | undefined>;

/**
 * `transient-trace run [options] [--] CMD ARGS…`: runs CMD under governance and returns its exit code.
 * Mode and policy are resolved once, here; the session (daemon, shims, preloads) is built from them
 * and nothing the child does to its environment changes them. Inside a session already, the session
 * in force is joined instead (a child cannot start a weaker one).
 */
export async function runGoverned(args: RunArgs, io: CliIo): Promise<number> {
  if (args.command.length === 0)
    throw usageError("run: no command given, e.g. transient-trace run -- claude");
  const outer = enclosingSession(io.env);
  if (outer) return join_(outer.record, outer.guarded, args, io);

  const config = readConfig(configFilePath(io.env));
  const { mode, source: modeSource } = resolveMode(args.mode, io.env, config);
  const policy = loadPolicy({ flag: args.policy, env: io.env, cwd: io.cwd });
  const stateDir = resolveStateDir(io.env, config).dir;
  const [cmd, ...cmdArgs] = args.command as [string, ...string[]];
  const program = findProgram(cmd, io.env.PATH, io.cwd);
  if (!program) {
    io.stderr(`transient-trace: ${cmd}: command not found\n`);
    return EXIT_NOT_FOUND;
  }

  const home = homedir();
  const governor = await Governor.create({ policy: policy.policy, mode, home });
  const writer = new ReceiptWriter(stateDir);
  const id = newSessionId();
  const sessionsDir = join(stateDir, "sessions");
  ensurePrivateDir(sessionsDir);
  pruneSessions(sessionsDir);
  const paths = sessionPaths(join(sessionsDir, id));
  ensurePrivateDir(paths.dir);
  const agentId = args.agent ?? basename(cmd);
  const entry = cliEntry();
  const decider = new Decider(governor, writer, {
    agentId,
    correlation: id,
    policyWhere: policy.where,
    home,
    metadata: { run_id: id },
    ownHook: { ...entry, launcher: wrapPaths(stateDir).hookLauncher },
  });
  const token = newToken();
  const server = new DecisionServer(decider, {
    token,
    onAnswer: args.verbose
      ? (req, a) =>
          a.receipts.length > 0 &&
          io.stderr(
            `transient-trace: ${a.verdict} [${req.channel}] ${req.kind === "exec" ? [basename(req.binary), ...req.args].join(" ") : req.kind === "shell" ? req.command : req.action.action} ${a.receipts.join(" ")}\n`,
          )
      : undefined,
    onError: (err) => io.stderr(`transient-trace: could not decide: ${(err as Error).message}\n`),
  });
  const address = await server.listen(socketPathFor(paths.dir, id));
  const record: SessionRecord = {
    version: 1,
    id,
    pid: process.pid,
    started_at: new Date().toISOString(),
    mode,
    mode_source: modeSource,
    policy: policy.policy,
    policy_where: policy.where,
    agent_id: agentId,
    state_dir: stateDir,
    socket: address.socket,
    port: address.port,
    token,
    ...entry,
    monitored: [...new Set([...MONITORED_BINARIES, ...args.packages])],
    guard_http: args.guardHttp,
  };
  const cleanup = async () => {
    await server.close();
    markEnded(paths, record);
    await writer.close();
  };
  try {
    const guard = writeSessionFiles(record, paths, findProgram("bash", io.env.PATH, io.cwd));
    precompilePython(paths, findProgram("python3", io.env.PATH, io.cwd));
    if (args.verbose)
      io.stderr(
        `transient-trace: session ${id}: ${mode} (${modeSource}), policy ${policy.where}, receipts in ${stateDir}\n`,
      );
    // The command itself is the first decision (as a launch: see Decider.decide).
    const first = decider.decide(
      { kind: "exec", channel: "run", cwd: io.cwd, binary: program, args: cmdArgs },
      { launch: true },
    );
    if (first.verdict === "block") {
      io.stderr(`${first.message}\n`);
      await cleanup();
      return EXIT_BLOCKED;
    }
    const env = withSessionEnv(io.env as Env, guard);
    const code = await spawnAndWait(program, cmd, cmdArgs, env, io.cwd);
    await cleanup();
    return code;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The session this process is already part of: the one whose guard is loaded here, else $TRANSIENT_TRACE_SESSION. */
function enclosingSession(env: Env): { record: SessionRecord; guarded: boolean } | undefined {
  const mark = (globalThis as Record<symbol, unknown>)[GUARD_KEY] as { session?: string } | undefined;
  if (mark?.session) return { record: readSessionRecord(mark.session), guarded: true };
  const dir = env[SESSION_ENV];
  if (dir && existsSync(join(dir, "session.json"))) {
    try {
      return { record: readSessionRecord(dir), guarded: false };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `run` inside a session: the outer session's mode and policy stay in force. */
async function join_(record: SessionRecord, guarded: boolean, args: RunArgs, io: CliIo): Promise<number> {
  if (args.mode !== undefined || args.policy !== undefined)
    io.stderr(
      `transient-trace: already in session ${record.id}: its mode (${record.mode}) and policy (${record.policy_where}) stay in force; --mode/--policy ignored\n`,
    );
  const [cmd, ...cmdArgs] = args.command as [string, ...string[]];
  const program = findProgram(cmd, io.env.PATH, io.cwd);
  if (!program) {
    io.stderr(`transient-trace: ${cmd}: command not found\n`);
    return EXIT_NOT_FOUND;
  }
  // With the session's guard loaded here, spawning is decided by it; otherwise decide first.
  if (!guarded) {
    let answer: Awaited<ReturnType<typeof decideForSession>> | undefined;
    try {
      answer = await decideForSession(record, {
        kind: "exec",
        channel: "run",
        cwd: io.cwd,
        binary: program,
        args: cmdArgs,
      });
    } catch (err) {
      if (record.mode !== "audit") {
        io.stderr(
          `transient-trace: blocked "${cmd}": no decision could be made (${(err as Error).message}) and ${record.mode} mode fails closed\n`,
        );
        return EXIT_BLOCKED;
      }
    }
    if (answer?.verdict === "block") {
      io.stderr(`${answer.message}\n`);
      return EXIT_BLOCKED;
    }
  }
  const paths = sessionPaths(dirOf(record, io.env));
  const env = withSessionEnv(io.env as Env, {
    session: paths.dir,
    binDir: paths.binDir,
    preload: paths.preload,
    pythonDir: paths.pythonDir,
  });
  return spawnAndWait(program, cmd, cmdArgs, env, io.cwd);
}

function dirOf(record: SessionRecord, env: Env): string {
  const mark = (globalThis as Record<symbol, unknown>)[GUARD_KEY] as { session?: string } | undefined;
  return mark?.session ?? env[SESSION_ENV] ?? join(record.state_dir, "sessions", record.id);
}

const SIGNALS = ["SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs the child with the terminal and waits. Signals sent to `run` go to the child; a Ctrl-C from the
 * terminal reaches both, and `run` stays up (serving decisions) until the child is gone.
 */
function spawnAndWait(
  program: string,
  argv0: string,
  args: string[],
  env: Env,
  cwd: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: "inherit", env, cwd, argv0 });
    const forward = (sig: NodeJS.Signals) => () => {
      // The terminal already sent SIGINT/SIGQUIT to the whole foreground group.
      if ((sig === "SIGINT" || sig === "SIGQUIT") && process.stdin.isTTY) return;
      child.kill(sig);
    };
    const handlers = SIGNALS.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const off = () => {
      for (const [s, h] of handlers) process.off(s, h);
    };
    child.once("error", (err) => {
      off();
      reject(new CliError(`cannot run ${program}: ${err.message}`, EXIT_NOT_FOUND));
    });
    child.once("exit", (code, signal) => {
      off();
      resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 1) : 1));
    });
  });
}

export const runCommand: CommandSpec = {
  name: "run",
  summary: "Run a command (an agent) under governance",
  raw: true,
  help: `Usage: transient-trace run [--mode audit|strict|permissive] [--policy FILE|JSON] [--packages a,b]
                           [--agent NAME] [--guard-http] [--verbose] [--] CMD [ARGS...]

Runs CMD under governance: every program it (and everything it starts) runs through a monitored name,
Node's child_process or Python's subprocess/os functions is decided by the policy and sealed in a signed,
chained receipt. A blocked command prints one line on stderr (what, which rule, how to allow it) and
exits 126. Mode and policy are fixed when run starts; the command cannot change them.

Options:
  --mode M          audit (record, block nothing), strict (block every deny) or permissive
                    [default: $TRANSIENT_TRACE_MODE, else "config set mode", else audit]
  --policy P        A policy file, or the JSON itself [default: $ATP_POLICY_PATH, else ./.atp/policy.json,
                    else deny-all]
  --packages LIST   More programs to shim (comma-separated), besides: ${MONITORED_BINARIES.join(" ")}
  --agent NAME      The agent id in receipts [default: CMD's name]
  --guard-http      Also decide outbound HTTP from Node (node:http, node:https, fetch) as "network"
  --verbose         Print every decision on stderr
  -h, --help        Show this help

Exit codes: CMD's own; 126 CMD was blocked; 127 CMD not found; 1 run could not start (an invalid
policy, an unwritable state directory); 2 wrong usage.
Coverage (what is seen, what can be blocked): docs/coverage.md.
`,
  options: {},
  async run(_values, positionals, io) {
    const args = parseRunArgs(positionals);
    if (args.help) {
      io.stdout(runCommand.help);
      return;
    }
    const code = await runGoverned(args, io);
    if (code !== EXIT.ok) throw new CliError("", code);
  },
};
