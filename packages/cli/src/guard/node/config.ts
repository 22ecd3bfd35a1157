/** What `transient-trace run` writes into a session's preload: fixed at start, never read from the environment. */
export interface GuardConfig {
  /** The session directory (session.json, shims, preloads). */
  session: string;
  socket: string;
  token: string;
  mode: "audit" | "strict" | "permissive";
  /** `node` and the CLI script, for the cold fallback (`hook exec`) when the daemon is gone. */
  node: string;
  cli: string;
  /** The session's shim directory (prepended to every child's PATH). */
  binDir: string;
  /** This preload file (kept in every child's NODE_OPTIONS). */
  preload: string;
  /** The directory holding the session's sitecustomize.py (kept in every child's PYTHONPATH). */
  pythonDir: string;
  /**
   * Also decide outbound HTTP: the absolute path of the package's http-guard.cjs, which puts
   * trusera-sdk's interceptor (fetch, undici, axios, node:http/https) in front of the session's
   * decisions; null when `run` was not given --guard-http.
   */
  httpGuard: string | null;
  /** How long to wait for an answer before the mode's fallback applies. */
  timeoutMs: number;
}

/** A file present in every shim directory: PATH lookups skip such directories to find the real program. */
export const SHIM_MARKER = ".transient-trace-shims";
export const SESSION_ENV = "TRANSIENT_TRACE_SESSION";
/** Where an installed guard leaves `{ session, mode }` on globalThis (a process-wide, tamper-resistant mark). */
export const GUARD_KEY = Symbol.for("transient-trace.node-guard");

/** `NODE_OPTIONS` quoting: double quotes, with `"` and `\` escaped. */
export const requireOption = (file: string) => `--require "${file.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * The variables every process of a session carries, added to `env` (a copy is returned): the shim
 * directory first on PATH, the Node preload in NODE_OPTIONS, the Python guard first on PYTHONPATH, and
 * the session directory. Used by `run` for its child and by the guards for every grandchild, so a
 * process that spawns with a trimmed `env` does not drop its children out of the session.
 */
export function withSessionEnv(
  env: Record<string, string | undefined>,
  c: Pick<GuardConfig, "session" | "binDir" | "preload" | "pythonDir">,
): Record<string, string | undefined> {
  const out = { ...env };
  const path = out.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  if (path.split(":")[0] !== c.binDir) out.PATH = `${c.binDir}:${path}`;
  const req = requireOption(c.preload);
  const nodeOptions = out.NODE_OPTIONS ?? "";
  if (!nodeOptions.includes(req)) out.NODE_OPTIONS = nodeOptions ? `${req} ${nodeOptions}` : req;
  const py = out.PYTHONPATH ?? "";
  if (py.split(":")[0] !== c.pythonDir) out.PYTHONPATH = py ? `${c.pythonDir}:${py}` : c.pythonDir;
  out[SESSION_ENV] = c.session;
  return out;
}
