import { configFilePath, isMode, readConfig, resolvePath, STATE_DIR_ENV, writeConfig } from "@trusera/core";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";

export const SETTABLE = ["mode", "state_dir"] as const;

/** `transient-trace config set mode|state_dir VALUE`. */
export async function configSet(
  key: string,
  value: string,
  options: { json?: boolean } = {},
  io: CliIo = processIo(),
): Promise<void> {
  const file = configFilePath(io.env);
  const config = readConfig(file);
  if (key === "mode") {
    if (!isMode(value)) throw usageError(`mode must be audit, strict or permissive, got "${value}"`);
    config.mode = value;
  } else if (key === "state_dir") {
    if (value === "") throw usageError("state_dir must not be empty");
    config.state_dir = resolvePath(value, io.cwd);
    if (io.env[STATE_DIR_ENV])
      io.stderr(`note: ${STATE_DIR_ENV} is set and overrides state_dir while it is.\n`);
  } else {
    throw usageError(`unknown setting "${key}" (settable: ${SETTABLE.join(", ")})`);
  }
  writeConfig(file, config);
  const stored = key === "mode" ? config.mode : config.state_dir;
  if (options.json) printJson(io, { config_file: file, key, value: stored });
  else io.stderr(`Set ${key} = ${stored} in ${file}\n`);
}

export const configSetCommand: CommandSpec = {
  name: "config set",
  summary: "Set mode or state_dir",
  help: `Usage: transient-trace config set <mode|state_dir> VALUE [--json]

  config set mode audit|strict|permissive
      The default mode of "transient-trace run". audit (the default) records everything and what
      strict would have done, blocking nothing; strict blocks every deny; permissive blocks only
      denies by a rule (not the deny-by-default).
  config set state_dir DIR
      Where keys and receipts live (a relative DIR is made absolute). TRANSIENT_TRACE_STATE_DIR
      overrides it.

Options:
  --json      Report {"version": 1, "config_file", "key", "value"} on stdout
  -h, --help  Show this help
`,
  options: { ...HELP_FLAG, ...JSON_FLAG },
  async run(values, positionals, io) {
    if (positionals.length !== 2)
      throw usageError("config set needs a setting and a value, e.g. config set mode strict");
    await configSet(positionals[0]!, positionals[1]!, { json: values.json === true }, io);
  },
};
