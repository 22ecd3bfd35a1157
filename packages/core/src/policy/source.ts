import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigurationError } from "../errors.js";
import type { Env } from "../state/config.js";
import { POLICY_PATH_ENV, resolvePath } from "../state/paths.js";
import { DENY_ALL_POLICY, formatPolicyProblems, type PolicyDocument, parsePolicyText } from "./document.js";

/** Where a policy came from, in the order they are looked at. */
export type PolicySourceKind = "flag" | "env" | "project" | "default";

export interface LoadedPolicy {
  policy: PolicyDocument;
  source: PolicySourceKind;
  /** A file path, `inline JSON`, or `built-in deny-all`. */
  where: string;
}

/**
 * Finds the policy: `--policy` (a file path, or the JSON itself when it starts with `{`), else
 * `$ATP_POLICY_PATH`, else `./.atp/policy.json` in `cwd`, else deny-all.
 * @throws {ConfigurationError} when the chosen policy cannot be read or is not valid (never falls
 * through to a weaker one).
 */
export function loadPolicy({
  flag,
  env = process.env,
  cwd = process.cwd(),
}: {
  flag?: string;
  env?: Env;
  cwd?: string;
} = {}): LoadedPolicy {
  if (flag !== undefined && flag !== "") {
    if (flag.trimStart().startsWith("{"))
      return { policy: parseOrThrow(flag, "inline JSON"), source: "flag", where: "inline JSON" };
    const path = resolvePath(flag, cwd);
    return { policy: parseOrThrow(readOrThrow(path), path), source: "flag", where: path };
  }
  const fromEnv = env[POLICY_PATH_ENV];
  if (fromEnv) {
    const path = resolvePath(fromEnv, cwd);
    return { policy: parseOrThrow(readOrThrow(path), path), source: "env", where: path };
  }
  const project = join(cwd, ".atp", "policy.json");
  let text: string | undefined;
  try {
    text = readFileSync(project, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw new ConfigurationError(`cannot read ${project}: ${(err as Error).message}`);
  }
  if (text !== undefined) return { policy: parseOrThrow(text, project), source: "project", where: project };
  return { policy: DENY_ALL_POLICY, source: "default", where: "built-in deny-all" };
}

function readOrThrow(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigurationError(`cannot read the policy ${path}: ${(err as Error).message}`);
  }
}

function parseOrThrow(text: string, where: string): PolicyDocument {
  const parsed = parsePolicyText(text);
  if (!parsed.ok)
    throw new ConfigurationError(`invalid policy:\n${formatPolicyProblems(parsed.errors, where)}`);
  return parsed.policy;
}
