// Issue 19: the Claude Code hook (`transient-trace hook claude`, run by Claude Code on every tool call).
// Target: at most 2x a bare `node -e 0` at the median, with a session's daemon running. Measured side
// by side in one run, rotating the order every block: bare `node -e 0`, the hook handing the call to
// a running daemon, and the hook with no daemon (decides in-process: loads the Cedar engine).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fmtNs, median, row } from "../lib.mjs";
import { exec, startSession, stopSession } from "./shim.mjs";

const S = "claude-hook";
const CLI = join(
  dirname(createRequire(import.meta.url).resolve("transient-trace/package.json")),
  "dist",
  "cli.js",
);
// A small realistic policy: the call below is allowed, so Claude Code's own permissions apply.
const POLICY = JSON.stringify({
  version: 1,
  defaultAction: "allow",
  rules: [
    { id: "no-delete", action: "deny", actionClasses: ["delete"] },
    { id: "no-push", action: "deny", commands: ["git push *"] },
  ],
});

/** Per-call wall times of each side, in rotating order block by block. */
async function rotate(sides, { blocks, perBlock, warmup }) {
  for (const side of sides) for (let i = 0; i < warmup; i++) await side.run();
  const samples = sides.map(() => []);
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < sides.length; k++) {
      const at = (b + k) % sides.length;
      for (let i = 0; i < perBlock; i++) {
        const t = process.hrtime.bigint();
        await sides[at].run();
        samples[at].push(Number(process.hrtime.bigint() - t));
      }
    }
  }
  return samples;
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), "tt-bench-hook-"));
  const state = join(dir, "state");
  const policy = join(dir, "policy.json");
  writeFileSync(policy, POLICY);
  const session = await startSession(state, "strict", policy);
  try {
    const plain = { ...process.env };
    for (const k of ["NODE_OPTIONS", "TRANSIENT_TRACE_SESSION", "TRANSIENT_TRACE_MODE", "ATP_POLICY_PATH"])
      delete plain[k];
    const input = JSON.stringify({
      session_id: "bench",
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "git status" },
      cwd: dir,
    });
    const hook = (env) => () => exec(process.execPath, [CLI, "hook", "claude"], env, input);
    // The daemon found through $TRANSIENT_TRACE_SESSION, as Claude Code's hook process inherits it
    // from a `transient-trace run` session.
    const withDaemon = { ...plain, TRANSIENT_TRACE_SESSION: session.env.TRANSIENT_TRACE_SESSION };
    const noDaemon = {
      ...plain,
      TRANSIENT_TRACE_STATE_DIR: state,
      TRANSIENT_TRACE_MODE: "strict",
      ATP_POLICY_PATH: policy,
    };
    const [bare, daemon, cold] = await rotate(
      [
        { run: () => exec(process.execPath, ["-e", "0"], plain) },
        { run: hook(withDaemon) },
        { run: hook(noDaemon) },
      ],
      { blocks: 6, perBlock: 3, warmup: 1 },
    );
    // Inside the session as it really is: the guard preload is on NODE_OPTIONS, for both sides.
    const [bareGuarded, daemonGuarded] = await rotate(
      [{ run: () => exec(process.execPath, ["-e", "0"], session.env) }, { run: hook(session.env) }],
      { blocks: 4, perBlock: 5, warmup: 1 },
    );
    const ratio = median(daemon) / median(bare);
    return [
      row(S, "hook claude (Bash), daemon running, median", fmtNs(median(daemon)), {
        baseline: `bare node -e 0 ${fmtNs(median(bare))}; ratio ${ratio.toFixed(2)}x`,
        target: "<= 2x node -e 0",
        ok: ratio <= 2,
        note: `Side by side, order rotated each block (6 x 3 calls each). The hook's fast entry reads the input, checks it, and hands the call to the session's daemon over its Unix socket (found through $TRANSIENT_TRACE_SESSION); the daemon decides and seals the receipt. It loads neither the command tree nor the Cedar engine.`,
      }),
      row(S, "hook claude (Bash), no daemon (in-process), median", fmtNs(median(cold)), {
        baseline: `bare node -e 0 ${fmtNs(median(bare))}; ratio ${(median(cold) / median(bare)).toFixed(2)}x`,
        target: "(reported)",
        note: "Without a session: the full CLI, the policy compiled and the Cedar engine loaded in a worker thread, the receipt sealed, in every call.",
      }),
      row(
        S,
        "hook claude inside the session, guard preload on both sides, median",
        fmtNs(median(daemonGuarded)),
        {
          baseline: `node -e 0 with the preload ${fmtNs(median(bareGuarded))}; ratio ${(median(daemonGuarded) / median(bareGuarded)).toFixed(2)}x`,
          target: "(reported)",
        },
      ),
    ];
  } finally {
    await stopSession(session);
    rmSync(dir, { recursive: true, force: true });
  }
}
