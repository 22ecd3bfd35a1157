// Issue 7: what `transient-trace run` adds to the commands an agent runs. Target: a shimmed
// `git --version` at most 30 ms slower than the bare one at the median, measured side by side
// (alternating blocks). Also reported: the same call when the daemon is gone (cold fallback), a
// guarded Node spawnSync, a guarded Python start, and the Claude Code hook.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { alternate, fmtNs, median, row } from "../lib.mjs";

const S = "shim";
const CLI = join(
  dirname(createRequire(import.meta.url).resolve("transient-trace/package.json")),
  "dist",
  "cli.js",
);
const ALLOW_ALL = '{"version":1,"defaultAction":"allow","rules":[]}';

// Exported for claude-hook.mjs, which measures the hook against the same kind of session.
export function exec(file, args, env, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"],
    });
    if (input !== undefined) child.stdin.end(input);
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}`))));
  });
}

/** Starts a session holding a child that reports the session's environment and waits for stdin to close. */
export function startSession(state, mode = "audit", policy = ALLOW_ALL) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TRANSIENT_TRACE_STATE_DIR: state };
    for (const k of ["NODE_OPTIONS", "PYTHONPATH", "TRANSIENT_TRACE_SESSION", "TRANSIENT_TRACE_MODE"])
      delete env[k];
    const holder =
      "process.stdout.write(JSON.stringify(process.env) + '\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));";
    const child = spawn(
      process.execPath,
      [CLI, "run", "--mode", mode, "--policy", policy, "--", "node", "-e", holder],
      {
        env,
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve({ env: JSON.parse(out.slice(0, nl)), child });
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`session exited ${code}`)));
  });
}

export function stopSession(s) {
  return new Promise((resolve) => {
    s.child.removeAllListeners("exit");
    s.child.on("exit", resolve);
    s.child.stdin.end();
  });
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), "tt-bench-shim-"));
  const state = join(dir, "state");
  try {
    const git = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    const session = await startSession(state);
    const sEnv = session.env;
    const shim = join(sEnv.PATH.split(":")[0], "git");
    const plain = { ...process.env };
    delete plain.NODE_OPTIONS;

    const samples = await alternate(
      { run: () => exec(git, ["--version"], plain) },
      { run: () => exec(shim, ["--version"], sEnv) },
      { blocks: 10, perBlock: 20, warmup: 10 },
    );
    const bare = median(samples.a);
    const shimmed = median(samples.b);
    const added = shimmed - bare;

    // A guarded Node process: per-call cost of spawnSync (after the first, which starts the worker).
    const nodeLoop = `
      const { spawnSync } = require("node:child_process");
      const t0 = process.hrtime.bigint(); spawnSync(${JSON.stringify(git)}, ["--version"]);
      const first = Number(process.hrtime.bigint() - t0);
      const s = [];
      for (let i = 0; i < 60; i++) { const t = process.hrtime.bigint(); spawnSync(${JSON.stringify(git)}, ["--version"]); s.push(Number(process.hrtime.bigint() - t)); }
      s.sort((a, b) => a - b);
      process.stdout.write(JSON.stringify({ first, median: s[30] }));`;
    const measureNode = (env) =>
      JSON.parse(execFileSync(process.execPath, ["-e", nodeLoop], { env, encoding: "utf8" }));
    const nodePlain = measureNode(plain);
    const nodeGuarded = measureNode(sEnv);

    // Python start-up with the session's sitecustomize.
    const py = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
    }).trim();
    const pyPlainEnv = { ...plain };
    delete pyPlainEnv.PYTHONPATH;
    const pySamples = await alternate(
      { run: () => exec(py, ["-c", "pass"], pyPlainEnv) },
      { run: () => exec(py, ["-c", "pass"], sEnv) },
      { blocks: 6, perBlock: 10, warmup: 5 },
    );

    // The Claude Code hook: inside the session (daemon) and on its own (cold engine).
    const hookInput = JSON.stringify({
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "git status" },
      cwd: dir,
    });
    const hookIn = [];
    const hookCold = [];
    const coldEnv = { ...plain, TRANSIENT_TRACE_STATE_DIR: state, ATP_POLICY_PATH: join(dir, "allow.json") };
    writeFileSync(join(dir, "allow.json"), ALLOW_ALL);
    for (let i = 0; i < 8; i++) {
      let t = process.hrtime.bigint();
      await exec(
        process.execPath,
        [CLI, "hook", "claude"],
        { ...sEnv, NODE_OPTIONS: sEnv.NODE_OPTIONS },
        hookInput,
      );
      hookIn.push(Number(process.hrtime.bigint() - t));
      t = process.hrtime.bigint();
      await exec(process.execPath, [CLI, "hook", "claude"], coldEnv, hookInput);
      hookCold.push(Number(process.hrtime.bigint() - t));
    }

    // The daemon gone: every shimmed call decides in a cold process.
    await stopSession(session);
    const fallback = [];
    for (let i = 0; i < 4; i++) {
      const t = process.hrtime.bigint();
      await exec(shim, ["--version"], sEnv);
      fallback.push(Number(process.hrtime.bigint() - t));
    }

    return [
      row(S, "git --version through the shim, added at the median", fmtNs(added), {
        baseline: `bare ${fmtNs(bare)}, shimmed ${fmtNs(shimmed)}`,
        target: "<= 30 ms",
        ok: added <= 30e6,
        note: "Side by side in alternating blocks (10 x 20 calls each). The shim is a bash script: it finds the real git beyond the shim directories, asks the session's daemon over loopback TCP (/dev/tcp; decide + seal a signed receipt there), then execs git. No Node or Python start per call.",
      }),
      row(S, "Node spawnSync(git --version), guarded vs not, median", fmtNs(nodeGuarded.median), {
        baseline: `unguarded ${fmtNs(nodePlain.median)}`,
        target: "(reported)",
        note: `First guarded call ${fmtNs(nodeGuarded.first)} (starts the decision worker thread once per process) vs ${fmtNs(nodePlain.first)} unguarded.`,
      }),
      row(S, "python3 -c pass with the session's sitecustomize, median", fmtNs(median(pySamples.b)), {
        baseline: `without ${fmtNs(median(pySamples.a))}`,
        target: "(reported)",
      }),
      row(S, "hook claude (Bash), inside a session, median", fmtNs(median(hookIn)), {
        baseline: `on its own (loads the engine) ${fmtNs(median(hookCold))}`,
        target: "(reported)",
      }),
      row(S, "git --version through the shim, daemon gone (cold fallback), median", fmtNs(median(fallback)), {
        target: "(reported)",
        note: "The fallback starts node, loads the Cedar engine, compiles the session's policy and seals the receipt: the safe path, not the fast one.",
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
