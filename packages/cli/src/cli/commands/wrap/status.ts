import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { configFilePath, loadPolicy, readConfig, resolveMode, resolveStateDir } from "@trusera/core";
import { readSessionRecord } from "../../../govern/session-files.js";
import { findProgram } from "../../../govern/which.js";
import { GUARD_KEY, SESSION_ENV } from "../../../guard/node/config.js";
import { claudeSettingsPath, hookInstalled } from "../../../wrap/claude-settings.js";
import { launcherTarget } from "../../../wrap/hook-launcher.js";
import { readManifest, wrapPaths } from "../../../wrap/manifest.js";
import { hasRcBlock } from "../../../wrap/rc-files.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { type CliIo, printJson, processIo } from "../../io.js";

/** `transient-trace wrap status [--json]`: is governance active, and with what. */
export async function wrapStatus(options: { json?: boolean } = {}, io: CliIo = processIo()): Promise<void> {
  const config = readConfig(configFilePath(io.env));
  const state = resolveStateDir(io.env, config);
  const paths = wrapPaths(state.dir);
  const manifest = readManifest(paths);
  const pathDirs = (io.env.PATH ?? "").split(delimiter).map((d) => resolve(io.cwd, d || "."));
  const onPath = pathDirs.indexOf(paths.binDir);
  const bins = Object.keys(manifest.bins)
    .sort()
    .map((name) => {
      const real = findProgram(name, io.env.PATH, io.cwd);
      const realAt = real ? pathDirs.indexOf(resolve(real, "..")) : -1;
      return {
        name,
        shim: join(paths.binDir, name),
        shim_present: existsSync(join(paths.binDir, name)),
        real: real ?? null,
        // The shim wins only if its directory comes before the real program's on PATH.
        active: onPath >= 0 && (realAt < 0 || onPath < realAt),
      };
    });
  const home = io.env.HOME || homedir();
  const settings = claudeSettingsPath(io.env, home);
  const mode = resolveMode(undefined, io.env, config);
  let policy: { where: string; error?: string };
  try {
    policy = { where: loadPolicy({ env: io.env, cwd: io.cwd }).where };
  } catch (err) {
    policy = { where: "unreadable", error: (err as Error).message };
  }
  const mark = (globalThis as Record<symbol, unknown>)[GUARD_KEY] as { session?: string } | undefined;
  const sessionDir = mark?.session ?? io.env[SESSION_ENV];
  let session: { id: string; mode: string; policy: string; daemon_pid: number } | null = null;
  if (sessionDir) {
    try {
      const r = readSessionRecord(sessionDir);
      session = { id: r.id, mode: r.mode, policy: r.policy_where, daemon_pid: r.pid };
    } catch {}
  }
  const report = {
    state_dir: state.dir,
    bin_dir: paths.binDir,
    bin_dir_on_path: onPath >= 0,
    wrapped: bins,
    rc_files: manifest.rc.map((e) => ({ path: e.path, block_present: hasRcBlock(e.path) })),
    claude_hook: {
      settings: settings,
      installed: hookInstalled(settings),
      ...launcherTarget(paths.hookLauncher, findProgram("transient-trace", io.env.PATH, io.cwd)),
    },
    default_mode: { mode: mode.mode, source: mode.source },
    policy,
    session,
  };
  if (options.json) {
    printJson(io, report);
    return;
  }
  const lines: string[] = [];
  lines.push(`State directory: ${state.dir}`);
  lines.push(`Default mode:    ${mode.mode} (${mode.source})`);
  lines.push(`Policy here:     ${policy.where}${policy.error ? ` (error: ${policy.error})` : ""}`);
  if (session) lines.push(`In session:      ${session.id} (${session.mode}, policy ${session.policy})`);
  if (bins.length === 0)
    lines.push("Wrapped:         nothing (transient-trace wrap install claude --auto-rc)");
  else
    for (const b of bins)
      lines.push(
        `Wrapped:         ${b.name} -> ${b.real ?? "(not found on PATH)"}  ${b.active ? "active" : `inactive: put ${paths.binDir} first on PATH`}`,
      );
  for (const r of report.rc_files)
    lines.push(`rc file:         ${r.path} ${r.block_present ? "(block present)" : "(block missing)"}`);
  const hook = report.claude_hook;
  lines.push(`Claude Code hook: ${hook.installed ? "registered" : "not registered"} in ${settings}`);
  if (hook.installed) lines.push(`  ${hookHealth(hook)}`);
  io.stdout(`${lines.join("\n")}\n`);
}

/** One line on where the hook's calls go now, and the fix when they cannot be decided. */
function hookHealth(h: ReturnType<typeof launcherTarget>): string {
  const fix = 'run "transient-trace wrap install claude" again';
  if (!h.present)
    return `its launcher ${h.launcher} is missing: every Claude Code tool call is blocked; ${fix}`;
  if (h.cli_present) return `runs ${h.cli}`;
  if (h.fallback)
    return `${h.cli ?? "its CLI"} is gone (moved?): runs ${h.fallback} from PATH instead; ${fix} to pin it`;
  return `${h.cli ?? "its CLI"} is gone (moved?) and transient-trace is not on PATH: every Claude Code tool call is blocked; ${fix} from where the CLI is now, or "transient-trace wrap uninstall claude"`;
}

export const wrapStatusCommand: CommandSpec = {
  name: "wrap status",
  summary: "Show what is wrapped and whether governance is active",
  help: `Usage: transient-trace wrap status [--json]

Shows the wrapped programs (and whether their shims come first on the current PATH), the rc files
edited, whether the Claude Code hook is registered, the default mode, the policy that applies in this
directory, and the session this shell is in, if any.

Options:
  --json      One JSON document with "version": 1
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG },
  async run(values, _positionals, io) {
    await wrapStatus({ json: values.json === true }, io);
  },
};
