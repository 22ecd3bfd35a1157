import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError, isMode, type Mode, type PolicyDocument, validatePolicy } from "@trusera/core";
import { type GuardConfig, requireOption, SHIM_MARKER } from "../guard/node/config.js";
import { shimScript } from "./shim-script.js";

/**
 * Programs shimmed in every session: the issue's list (git, curl, wget, ssh, scp, rm, npm, npx, pip,
 * pip3, uv, sudo, docker, kubectl) and a few more that delete, reach the network or change permissions.
 */
export const MONITORED_BINARIES = [
  "git",
  "curl",
  "wget",
  "ssh",
  "scp",
  "sftp",
  "rsync",
  "nc",
  "rm",
  "rmdir",
  "shred",
  "dd",
  "chmod",
  "chown",
  "npm",
  "npx",
  "yarn",
  "pnpm",
  "pip",
  "pip3",
  "uv",
  "sudo",
  "docker",
  "kubectl",
  "gh",
] as const;

/** session.json: what a session is, fixed when `run` starts. The fallback decides from it. */
export interface SessionRecord {
  version: 1;
  id: string;
  pid: number;
  started_at: string;
  mode: Mode;
  mode_source: string;
  policy: PolicyDocument;
  policy_where: string;
  agent_id: string;
  state_dir: string;
  socket: string;
  port: number;
  token: string;
  node: string;
  cli: string;
  monitored: string[];
  guard_http: boolean;
  ended_at?: string;
}

export interface SessionPaths {
  dir: string;
  record: string;
  binDir: string;
  nodeDir: string;
  preload: string;
  pythonDir: string;
}

export function sessionPaths(dir: string): SessionPaths {
  return {
    dir,
    record: join(dir, "session.json"),
    binDir: join(dir, "bin"),
    nodeDir: join(dir, "node"),
    preload: join(dir, "node", "preload.cjs"),
    pythonDir: join(dir, "python"),
  };
}

export const newSessionId = () => `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
export const newToken = () => randomBytes(32).toString("hex");

/** A directory of the built package (dist/), where the guards and the CLI script are. */
export function distFile(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, name),
    join(here, "..", "..", "dist", name),
    join(here, "..", "dist", name),
  ])
    if (existsSync(candidate)) return candidate;
  throw new ConfigurationError(`transient-trace is not built: ${name} not found next to ${here}`);
}

/**
 * Where the daemon's Unix socket goes: in the session directory when the path fits in sun_path
 * (108 bytes on Linux, 104 on macOS), else in a private directory under the system temp dir.
 */
export function socketPathFor(sessionDir: string, id: string): string {
  const inside = join(sessionDir, "d.sock");
  if (Buffer.byteLength(inside) < 100) return inside;
  const dir = join(tmpdir(), `transient-trace-${process.getuid?.() ?? "u"}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return join(dir, `${id}.sock`);
}

/** Writes session.json, the shims, the Node preload and the Python sitecustomize of a session. */
export function writeSessionFiles(
  record: SessionRecord,
  paths: SessionPaths,
  bash: string | undefined,
): GuardConfig {
  mkdirSync(paths.binDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.nodeDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.pythonDir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.record, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });

  writeFileSync(join(paths.binDir, SHIM_MARKER), `session ${record.id}\n`, { mode: 0o600 });
  const shim = join(paths.binDir, "_transient-trace-shim");
  writeFileSync(
    shim,
    shimScript({
      sessionId: record.id,
      bash,
      port: record.port,
      token: record.token,
      mode: record.mode,
      node: record.node,
      cli: record.cli,
      sessionDir: paths.dir,
      marker: SHIM_MARKER,
    }),
    { mode: 0o700 },
  );
  for (const name of record.monitored) symlinkSync("_transient-trace-shim", join(paths.binDir, name));

  const config: GuardConfig = {
    session: paths.dir,
    socket: record.socket,
    token: record.token,
    mode: record.mode,
    node: record.node,
    cli: record.cli,
    binDir: paths.binDir,
    preload: paths.preload,
    pythonDir: paths.pythonDir,
    httpGuard: record.guard_http ? distFile("http-guard.cjs") : null,
    timeoutMs: 10_000,
  };
  copyFileSync(distFile("node-guard.cjs"), join(paths.nodeDir, "guard.cjs"));
  writeFileSync(
    paths.preload,
    `"use strict";
// transient-trace session ${record.id}: guards child_process${record.guard_http ? " and outbound HTTP" : ""} in every Node process of the session.
require("./guard.cjs").install(${JSON.stringify(config)});
`,
    { mode: 0o600 },
  );
  const pyConfig = {
    ...config,
    requireOption: requireOption(paths.preload),
  };
  writeFileSync(
    join(paths.pythonDir, "sitecustomize.py"),
    `# transient-trace session ${record.id}: written by "transient-trace run".
_TT_CONFIG = ${pythonLiteral(pyConfig)}
${readFileSync(distFile("python-guard.py"), "utf8")}`,
    { mode: 0o600 },
  );
  return config;
}

/**
 * Compiles the session's sitecustomize.py in the background, so that Python processes load bytecode
 * instead of compiling ~400 lines at every start (they read a .pyc even with PYTHONDONTWRITEBYTECODE).
 */
export function precompilePython(paths: SessionPaths, python: string | undefined): void {
  if (!python) return;
  const env = { ...process.env };
  delete env.PYTHONDONTWRITEBYTECODE;
  delete env.PYTHONPATH;
  try {
    spawn(
      python,
      [
        "-c",
        "import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True)",
        join(paths.pythonDir, "sitecustomize.py"),
      ],
      {
        env,
        stdio: "ignore",
      },
    )
      .on("error", () => {})
      .unref();
  } catch {}
}

/** A Python literal for plain JSON data (JSON string escapes are valid Python escapes). */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`)
    .join(", ")}}`;
}

/** Reads and checks a session.json. @throws {ConfigurationError} when it is missing or not one. */
export function readSessionRecord(dir: string): SessionRecord {
  const file = sessionPaths(dir).record;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigurationError(`cannot read the session ${file}: ${(err as Error).message}`);
  }
  const r = value as SessionRecord;
  if (
    typeof r !== "object" ||
    r === null ||
    r.version !== 1 ||
    !isMode(r.mode) ||
    typeof r.state_dir !== "string"
  )
    throw new ConfigurationError(`${file} is not a transient-trace session`);
  const checked = validatePolicy(r.policy);
  if (!checked.ok) throw new ConfigurationError(`${file}: the session's policy is not valid`);
  return { ...r, policy: checked.policy };
}

/** Marks a session ended (its daemon is gone; its shims keep deciding through the fallback). */
export function markEnded(paths: SessionPaths, record: SessionRecord): void {
  try {
    writeFileSync(
      paths.record,
      `${JSON.stringify({ ...record, ended_at: new Date().toISOString() }, null, 2)}\n`,
      {
        mode: 0o600,
      },
    );
  } catch {}
}

/** Removes sessions that ended (or whose `run` died) more than `maxAgeMs` ago. Best effort. */
export function pruneSessions(sessionsDir: string, maxAgeMs = 24 * 3600_000): void {
  let entries: string[];
  try {
    entries = readdirSync(sessionsDir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of entries) {
    const dir = join(sessionsDir, name);
    try {
      const r = JSON.parse(readFileSync(join(dir, "session.json"), "utf8")) as Partial<SessionRecord>;
      const ended = r.ended_at ? Date.parse(r.ended_at) : alive(r.pid) ? undefined : statSync(dir).mtimeMs;
      if (ended !== undefined && now - ended > maxAgeMs) rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
