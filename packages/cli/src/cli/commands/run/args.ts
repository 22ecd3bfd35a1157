import { usageError } from "../../errors.js";

export interface RunArgs {
  mode?: string;
  policy?: string;
  /** Extra programs to shim, beyond the monitored list. */
  packages: string[];
  agent?: string;
  guardHttp: boolean;
  verbose: boolean;
  help: boolean;
  command: string[];
}

const VALUE_FLAGS = new Set(["--mode", "--policy", "--packages", "--agent"]);

/**
 * `run`'s own options come first; the command starts at `--` or at the first word that is not one of
 * them, so that `run git push --force` needs no `--` and the command's flags are never ours.
 */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const out: RunArgs = { packages: [], guardHttp: false, verbose: false, help: false, command: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    let a = argv[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-")) break;
    let value: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (VALUE_FLAGS.has(a)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw usageError(`run: ${a} needs a value`);
      }
      if (a === "--mode") out.mode = value;
      else if (a === "--policy") out.policy = value;
      else if (a === "--agent") out.agent = value;
      else
        out.packages.push(
          ...value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        );
      continue;
    }
    if (value !== undefined) throw usageError(`run: ${a} takes no value`);
    if (a === "--guard-http") out.guardHttp = true;
    else if (a === "--verbose") out.verbose = true;
    else if (a === "-h" || a === "--help") out.help = true;
    else throw usageError(`run: unknown option ${a}`);
  }
  out.command = argv.slice(i) as string[];
  for (const p of out.packages)
    if (!/^[A-Za-z0-9._+-]+$/.test(p)) throw usageError(`run: --packages takes program names, got "${p}"`);
  return out;
}
