import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { resolveStateDir } from "@trusera/core";
import { findProgram } from "../../../govern/which.js";
import { SHIM_MARKER } from "../../../guard/node/config.js";
import { claudeSettingsPath, hookCommand, installClaudeHook } from "../../../wrap/claude-settings.js";
import { hookLauncherScript } from "../../../wrap/hook-launcher.js";
import { readManifest, wrapPaths, writeManifest } from "../../../wrap/manifest.js";
import { addRcBlock, rcFilesFor } from "../../../wrap/rc-files.js";
import { wrapShimScript } from "../../../wrap/wrap-shim.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { cliEntry } from "./cli-entry.js";

export const BIN_NAME = /^[A-Za-z0-9._+-]+$/;

/** `transient-trace wrap install <bins...> [--auto-rc]`. */
export async function wrapInstall(
  bins: string[],
  options: { autoRc?: boolean; json?: boolean } = {},
  io: CliIo = processIo(),
): Promise<void> {
  if (bins.length === 0)
    throw usageError("wrap install needs at least one program, e.g. wrap install claude");
  for (const b of bins)
    if (!BIN_NAME.test(b) || b.startsWith(".")) throw usageError(`not a program name: "${b}"`);
  // A shim for a program that is not there would only print "command not found" later: say it now.
  const missing = bins.filter((b) => !findProgram(b, io.env.PATH, io.cwd));
  if (missing.length > 0)
    throw new CliError(
      `not on PATH: ${missing.join(", ")}; nothing was installed. ${
        missing.includes("claude")
          ? "Install Claude Code (npm install -g @anthropic-ai/claude-code) or put the directory holding `claude` on PATH"
          : "Install it or put its directory on PATH"
      }, then run "transient-trace wrap install ${bins.join(" ")}" again.`,
    );
  const home = io.env.HOME || homedir();
  const state = resolveStateDir(io.env);
  const paths = wrapPaths(state.dir);
  const manifest = readManifest(paths);
  const { node, cli } = cliEntry();
  mkdirSync(paths.binDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(paths.binDir, SHIM_MARKER), "transient-trace wrap\n", { mode: 0o600 });
  for (const name of bins) {
    writeFileSync(
      join(paths.binDir, name),
      wrapShimScript({
        name,
        node,
        cli,
        marker: SHIM_MARKER,
        stateDir: state.source === "env" ? state.dir : undefined,
      }),
      { mode: 0o755 },
    );
    manifest.bins[name] ??= { installed_at: new Date().toISOString() };
  }
  let settingsPath: string | undefined;
  if (bins.includes("claude")) {
    settingsPath = claudeSettingsPath(io.env, home);
    writeFileSync(
      paths.hookLauncher,
      hookLauncherScript({ node, cli, stateDir: state.source === "env" ? state.dir : undefined }),
      { mode: 0o755 },
    );
    try {
      manifest.claude = installClaudeHook(settingsPath, hookCommand(paths.hookLauncher), manifest.claude);
    } catch (err) {
      writeManifest(paths, manifest);
      throw new CliError(
        `cannot register the Claude Code hook in ${settingsPath}: ${(err as Error).message}`,
      );
    }
  }
  const rcFiles: string[] = [];
  if (options.autoRc) {
    for (const file of rcFilesFor(home, io.env.SHELL)) {
      const previous = manifest.rc.find((e) => e.path === file);
      const edit = addRcBlock(file, paths.binDir, previous);
      if (!previous) manifest.rc.push(edit);
      rcFiles.push(file);
    }
  }
  writeManifest(paths, manifest);
  if (options.json) {
    printJson(io, {
      bin_dir: paths.binDir,
      wrapped: Object.keys(manifest.bins).sort(),
      rc_files: rcFiles,
      claude_settings: settingsPath ?? null,
    });
    return;
  }
  io.stderr(`Wrapped ${bins.join(", ")} in ${paths.binDir}\n`);
  if (settingsPath) io.stderr(`Registered the Claude Code PreToolUse hook in ${settingsPath}\n`);
  if (rcFiles.length > 0)
    io.stderr(`Added ${paths.binDir} to PATH in ${rcFiles.join(", ")}; open a new shell (or source it)\n`);
  else io.stderr(`Put it first on PATH (or rerun with --auto-rc): export PATH="${paths.binDir}:$PATH"\n`);
}

export const wrapInstallCommand: CommandSpec = {
  name: "wrap install",
  summary: "Govern every later call of programs (e.g. claude) through run",
  help: `Usage: transient-trace wrap install <program...> [--auto-rc] [--json]

Puts a shim for each program in <state dir>/wrap/bin: once that directory is first on PATH, every
"<program> ..." runs as "transient-trace run --agent <program> -- <real program> ...", with the default
mode ("config set mode strict" makes it strict) and the project's policy.
"wrap install claude" also registers a PreToolUse hook in Claude Code's settings
($CLAUDE_CONFIG_DIR/settings.json, else ~/.claude/settings.json), keeping every other setting, so that
Bash, Write, Edit, MultiEdit, NotebookEdit, WebFetch and MCP tool calls are decided before they run.
The settings run <state dir>/wrap/hook-claude, which runs this CLI, or "transient-trace" from PATH if
this CLI has moved since, or else blocks the call saying how to fix it ("wrap status" shows which).
A program that is not on PATH is an error (exit 1), and nothing is installed.

Options:
  --auto-rc   Add the wrap directory to PATH in ~/.bashrc, ~/.zshrc and ~/.profile (those that exist,
              and your login shell's), between "# >>> transient-trace wrap >>>" markers. Running it
              again changes nothing; "wrap uninstall" restores the files byte for byte.
  --json      Report {"version": 1, "bin_dir", "wrapped", "rc_files", "claude_settings"} on stdout
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG, "auto-rc": { type: "boolean" } },
  async run(values, positionals, io) {
    await wrapInstall(positionals, { autoRc: values["auto-rc"] === true, json: values.json === true }, io);
  },
};
