import { readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { resolveStateDir } from "@trusera/core";
import { SHIM_MARKER } from "../../../guard/node/config.js";
import { uninstallClaudeHook } from "../../../wrap/claude-settings.js";
import { readManifest, removeManifest, wrapPaths, writeManifest } from "../../../wrap/manifest.js";
import { removeRcBlock } from "../../../wrap/rc-files.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";

/** `transient-trace wrap uninstall <bins...> | --all`. */
export async function wrapUninstall(
  bins: string[],
  options: { all?: boolean; json?: boolean } = {},
  io: CliIo = processIo(),
): Promise<void> {
  const paths = wrapPaths(resolveStateDir(io.env).dir);
  const manifest = readManifest(paths);
  const names = options.all ? Object.keys(manifest.bins) : bins;
  if (names.length === 0 && !options.all) throw usageError("wrap uninstall needs a program (or --all)");
  const unknown = names.filter((n) => !(n in manifest.bins));
  if (unknown.length > 0)
    throw new CliError(`not wrapped: ${unknown.join(", ")} (see "transient-trace wrap status")`);
  const notes: string[] = [];
  for (const name of names) {
    rmSync(join(paths.binDir, name), { force: true });
    delete manifest.bins[name];
    if (name === "claude") rmSync(paths.hookLauncher, { force: true });
    if (name === "claude" && manifest.claude) {
      const note = uninstallClaudeHook(manifest.claude);
      if (note) notes.push(note);
      delete manifest.claude;
    }
  }
  const restored: string[] = [];
  if (Object.keys(manifest.bins).length === 0) {
    // Nothing left to wrap: the rc files get their old bytes back, and the directory goes.
    for (const edit of manifest.rc) if (removeRcBlock(edit)) restored.push(edit.path);
    manifest.rc = [];
    rmSync(join(paths.binDir, SHIM_MARKER), { force: true });
    for (const dir of [paths.binDir]) {
      try {
        if (readdirSync(dir).length === 0) rmdirSync(dir);
      } catch {}
    }
    removeManifest(paths);
    try {
      if (readdirSync(paths.dir).length === 0) rmdirSync(paths.dir);
    } catch {}
  } else {
    writeManifest(paths, manifest);
  }
  for (const n of notes) io.stderr(`note: ${n}\n`);
  if (options.json) {
    printJson(io, {
      removed: names,
      still_wrapped: Object.keys(manifest.bins).sort(),
      rc_restored: restored,
    });
    return;
  }
  io.stderr(
    `Unwrapped ${names.join(", ")}${restored.length > 0 ? `; restored ${restored.join(", ")}` : ""}\n`,
  );
}

export const wrapUninstallCommand: CommandSpec = {
  name: "wrap uninstall",
  summary: "Remove wrap shims (and, with the last, the rc file lines)",
  help: `Usage: transient-trace wrap uninstall <program...> [--json]
       transient-trace wrap uninstall --all [--json]

Removes the shims of the named programs; "claude" also removes the PreToolUse hook from Claude Code's
settings (the file's original bytes come back if nobody changed it since, else only our entry is
removed). When no program is left, the rc file blocks are removed too, leaving each file exactly as it
was before "wrap install --auto-rc" (or gone, if install created it).

Options:
  --all       Unwrap everything
  --json      Report {"version": 1, "removed", "still_wrapped", "rc_restored"} on stdout
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG, all: { type: "boolean" } },
  async run(values, positionals, io) {
    await wrapUninstall(positionals, { all: values.all === true, json: values.json === true }, io);
  },
};
