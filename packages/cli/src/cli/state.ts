import { configFilePath, readConfig, resolveStateDir, type StatePaths, statePaths } from "@trusera/core";
import type { CliIo } from "./io.js";

/** The state directory in force for a command. */
export function cliState(io: CliIo): StatePaths {
  const config = readConfig(configFilePath(io.env));
  return statePaths(resolveStateDir(io.env, config).dir);
}
