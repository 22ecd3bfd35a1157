import {
  configFilePath,
  KeyStore,
  loadPolicy,
  readConfig,
  resolveMode,
  resolveStateDir,
  statePaths,
} from "@trusera/core";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";

/** `transient-trace config show`: each setting in force and where it comes from. */
export async function configShow(options: { json?: boolean } = {}, io: CliIo = processIo()) {
  const file = configFilePath(io.env);
  const config = readConfig(file);
  const mode = resolveMode(undefined, io.env, config);
  const state = resolveStateDir(io.env, config);
  let policy: { source: string; where: string; error?: string };
  try {
    const p = loadPolicy({ env: io.env, cwd: io.cwd });
    policy = { source: p.source, where: p.where };
  } catch (err) {
    policy = { source: "error", where: "", error: (err as Error).message };
  }
  const keys = new KeyStore(statePaths(state.dir)).jwks().keys;
  const shown = {
    config_file: file,
    mode: { value: mode.mode, source: mode.source },
    state_dir: { value: state.dir, source: state.source },
    policy,
    keys: { active: keys.find((k) => k.status === "active")?.kid ?? null, total: keys.length },
  };
  if (options.json) {
    printJson(io, shown);
    return shown;
  }
  io.stdout(
    [
      `config_file  ${file}`,
      `mode         ${mode.mode} (${mode.source})`,
      `state_dir    ${state.dir} (${state.source})`,
      `policy       ${policy.error ? `ERROR: ${policy.error}` : `${policy.where} (${policy.source})`}`,
      `keys         ${shown.keys.active ?? "none yet (made on first receipt)"}${keys.length > 1 ? ` (+${keys.length - 1} retired)` : ""}`,
      "",
    ].join("\n"),
  );
  return shown;
}

export const configShowCommand: CommandSpec = {
  name: "config show",
  summary: "Show the settings in force",
  help: `Usage: transient-trace config show [--json]

Shows each setting in force and where it comes from (flag, env, config, default): the mode, the state
directory, the policy that would be used here, and the signing key.

Settings and their sources, strongest first:
  mode       TRANSIENT_TRACE_MODE, config "mode", default audit
  state_dir  TRANSIENT_TRACE_STATE_DIR, config "state_dir", default ~/.transient-trace
  policy     --policy (on run), ATP_POLICY_PATH, ./.atp/policy.json, default deny-all
The config file is $TRANSIENT_TRACE_STATE_DIR/config.json when that is set, else
~/.transient-trace/config.json.

Options:
  --json      One JSON document with "version": 1
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`config show takes no arguments, got "${positionals.join(" ")}"`);
    await configShow({ json: values.json === true }, io);
  },
};
