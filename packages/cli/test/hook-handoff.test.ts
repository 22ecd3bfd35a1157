import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Governor, type Mode, ReceiptWriter } from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { Decider } from "../src/govern/decider.js";
import { DecisionServer } from "../src/govern/decision-server.js";
import type { Answer, DecisionRequest } from "../src/govern/protocol.js";
import { hookCommand } from "../src/wrap/claude-settings.js";
import { hookLauncherScript } from "../src/wrap/hook-launcher.js";
import { wrapPaths } from "../src/wrap/manifest.js";
import { CLI } from "./helpers.js";
import { hookWithStdinOpen } from "./hook-helpers.js";
import { cli, E2E_POLICY, receiptsIn } from "./run-helpers.js";

// The hook's fast entry inside a session: a real DecisionServer on a Unix socket (served from this
// process, so the test sees every request it answers) and the built CLI as Claude Code runs it.

const dirs: { remove(): void }[] = [];
const servers: DecisionServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) d.remove();
});

const input = (tool_name: string, tool_input: Record<string, unknown>, cwd = "/tmp") =>
  JSON.stringify({ session_id: "0b6a-test", cwd, hook_event_name: "PreToolUse", tool_name, tool_input });

/** A session directory with session.json and, unless `serve` is false, its daemon listening. */
async function session(mode: Mode, serve = true, policy: object = E2E_POLICY) {
  const d = tempDir("tt-handoff-");
  dirs.push(d);
  const dir = join(d.path, "session");
  const state = join(d.path, "state");
  mkdirSync(dir);
  const socket = join(dir, "d.sock");
  const token = "a".repeat(64);
  writeFileSync(
    join(dir, "session.json"),
    JSON.stringify({
      version: 1,
      id: "handoff",
      pid: process.pid,
      mode,
      policy,
      policy_where: "e2e.json",
      agent_id: "claude",
      state_dir: state,
      socket,
      port: 9,
      token,
    }),
  );
  const answered: [DecisionRequest, Answer][] = [];
  let server: DecisionServer | undefined;
  if (serve) {
    const governor = await Governor.create({ policy: policy as never, mode, home: homedir() });
    const decider = new Decider(governor, new ReceiptWriter(state), {
      agentId: "claude",
      correlation: "handoff-daemon",
      policyWhere: "e2e.json",
      home: homedir(),
      metadata: { run_id: "handoff" },
    });
    server = new DecisionServer(decider, { token, onAnswer: (req, a) => answered.push([req, a]) });
    servers.push(server);
    await server.listen(socket);
  }
  return { root: d.path, dir, state, answered, server, env: { TRANSIENT_TRACE_SESSION: dir } };
}

/** A loader hook that writes every module URL the hook process resolves into `log`. */
function moduleLog(root: string): { env: Record<string, string>; urls(): string[] } {
  const hooks = join(root, "hooks.mjs");
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";
export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.TT_MODULE_LOG, r.url + "\\n"); return r; }
`,
  );
  const register = join(root, "register.mjs");
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
  );
  const log = join(root, "modules.log");
  return {
    env: { NODE_OPTIONS: `--import ${register}`, TT_MODULE_LOG: log },
    urls: () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []),
  };
}

describe("hook claude hands the call to the session's running daemon", () => {
  it("the daemon decides and seals; the hook loads neither the engine nor the command tree", async () => {
    const s = await session("strict");
    const modules = moduleLog(s.root);
    const r = await cli(["hook", "claude"], {
      env: { ...s.env, ...modules.env },
      input: input("Bash", { command: "git status && rm -rf build" }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringMatching(
        /^transient-trace: blocked "rm -rf build" \(delete\) by rule "no-delete" \[strict/,
      ),
    });
    expect(s.answered.map(([req, a]) => [req.channel, req.kind, a.verdict])).toEqual([
      ["claude-hook", "shell", "block"],
    ]);
    const receipts = receiptsIn(s.state);
    expect(receipts.map((x) => [x.intent.target, x.execution_status, x.metadata?.run_id])).toEqual([
      [{ command: "git status", binary: "git" }, "blocked", "handoff"],
      [{ command: "rm -rf build", binary: "rm" }, "blocked", "handoff"],
    ]);
    const urls = modules.urls();
    expect(
      urls.some((u) => /\/dist\/hook-entry-[^/]+\.js$/.test(u)),
      urls.join("\n"),
    ).toBe(true);
    expect(urls.filter((u) => /cedar|\/dist\/main-|\/dist\/index\.js/.test(u))).toEqual([]);

    // An allowed call: no decision, one more receipt from the daemon.
    const ok = await cli(["hook", "claude"], {
      env: s.env,
      input: input("Write", { file_path: "/tmp/x.txt", content: "" }),
    });
    expect(JSON.parse(ok.stdout)).toEqual({});
    expect(s.answered).toHaveLength(2);
    expect(receiptsIn(s.state)).toHaveLength(3);
  });

  it("the session's mode: audit lets a denied call and malformed input through, strict denies malformed input", async () => {
    const audit = await session("audit");
    const r = await cli(["hook", "claude"], {
      env: audit.env,
      input: input("Bash", { command: "rm -rf build" }),
    });
    expect(JSON.parse(r.stdout)).toEqual({});
    expect(receiptsIn(audit.state)[0]!.decision).toMatchObject({ outcome: "deny", enforced: false });
    const bad = JSON.stringify({ tool_name: "Bash", tool_input: { command: 42 } });
    const a = await cli(["hook", "claude"], { env: audit.env, input: bad });
    expect(JSON.parse(a.stdout)).toEqual({});
    expect(a.stderr).toMatch(/malformed hook input: .*audit mode lets the call through/);
    expect(a.stderr).not.toMatch(/strict/);

    const strict = await session("strict");
    for (const text of [bad, JSON.stringify({ tool_name: "Bash" }), "{oops"]) {
      const d = await cli(["hook", "claude"], { env: strict.env, input: text });
      expect(JSON.parse(d.stdout).hookSpecificOutput, text).toMatchObject({
        permissionDecision: "deny",
        permissionDecisionReason: expect.stringMatching(/\) and strict mode fails closed$/),
      });
    }
    // Nothing malformed reached a daemon.
    expect([audit.answered.length, strict.answered.length]).toEqual([1, 0]);
  });

  it("exits once it has answered with stdin still open", async () => {
    const s = await session("strict");
    const r = await hookWithStdinOpen(s.env, input("mcp__files__delete_file", { path: "/srv/a.db" }));
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(JSON.parse(r.stdout).hookSpecificOutput.permissionDecisionReason).toMatch(
      /blocked "mcp__files__delete_file"/,
    );
    expect(s.answered).toHaveLength(1);
  });

  it("a daemon that is gone: decided in-process from the session file, sealed into the same chain", async () => {
    const s = await session("strict");
    const first = await cli(["hook", "claude"], { env: s.env, input: input("Bash", { command: "rm -f a" }) });
    expect(JSON.parse(first.stdout).hookSpecificOutput.permissionDecision).toBe("deny");
    await s.server!.close();
    const second = await cli(["hook", "claude"], {
      env: s.env,
      input: input("Bash", { command: "rm -f b" }),
    });
    expect(JSON.parse(second.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringMatching(/blocked "rm -f b" \(delete\) by rule "no-delete"/),
    });
    const receipts = receiptsIn(s.state);
    expect(receipts.map((x) => [x.intent.target, x.metadata?.fallback ?? false])).toEqual([
      [{ command: "rm -f a", binary: "rm" }, false],
      [{ command: "rm -f b", binary: "rm" }, true],
    ]);
    const verify = await cli(["receipts", "verify"], { env: { TRANSIENT_TRACE_STATE_DIR: s.state } });
    expect(verify.stdout, verify.stderr).toMatch(/^ok: 2 receipts, seq 1-2, signatures valid, chain intact/);
  });

  it("the deadline holds while that in-process decision runs (a policy that takes seconds to compile)", async () => {
    const rules = Array.from({ length: 4000 }, (_, i) => ({
      id: `r${i}`,
      action: "deny",
      commands: [`cmd${i} *`],
    }));
    const s = await session("strict", false, { version: 1, defaultAction: "allow", rules });
    // Well under the time the 4,000-rule set takes to compile even on a fast machine (1,500 ms was not).
    const r = await cli(["hook", "claude", "--deadline-ms", "500"], {
      env: s.env,
      input: input("Bash", { command: "ls" }),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringMatching(
        /no answer within 500 ms\) and strict mode fails closed/,
      ),
    });
  });

  it("Claude Code under run starts this hook even when the policy denies by default; other programs are still decided", async () => {
    const d = tempDir("tt-ownhook-");
    dirs.push(d);
    const state = join(d.path, "state");
    const launcher = wrapPaths(state).hookLauncher;
    mkdirSync(dirname(launcher), { recursive: true });
    writeFileSync(launcher, hookLauncherScript({ node: process.execPath, cli: CLI }), { mode: 0o755 });
    const policy = join(d.path, "policy.json");
    writeFileSync(policy, JSON.stringify({ version: 1, defaultAction: "deny", rules: [] }));
    // A stand-in for Claude Code: starts each hook command as Claude Code does (through sh), and one
    // other program with the same arguments, which must still be decided (and denied).
    const fake = join(d.path, "fake-claude.mjs");
    const call = input("Write", { file_path: join(d.path, "a.txt"), content: "x" });
    writeFileSync(
      fake,
      `import { spawnSync } from "node:child_process";
const out = [${JSON.stringify(hookCommand(process.execPath, CLI))}, ${JSON.stringify(hookCommand(launcher))}, ${JSON.stringify(`/bin/echo ${CLI} hook claude`)}]
  .map((cmd) => spawnSync("/bin/sh", ["-c", cmd], { input: ${JSON.stringify(call)}, encoding: "utf8" }))
  .map((r) => ({ status: r.status, stdout: r.stdout }));
process.stderr.write("RESULT " + JSON.stringify(out) + "\\n");
`,
    );
    const r = await cli(["run", "--mode", "strict", "--policy", policy, "--", process.execPath, fake], {
      env: { TRANSIENT_TRACE_STATE_DIR: state },
    });
    const line = /^RESULT (.*)$/m.exec(r.stderr)?.[1];
    expect(line, r.stderr).toBeDefined();
    const results = JSON.parse(line!) as {
      status: number;
      stdout: string;
    }[];
    for (const hook of results.slice(0, 2)) {
      expect(hook.status).toBe(0);
      expect(JSON.parse(hook.stdout).hookSpecificOutput).toMatchObject({
        permissionDecision: "deny",
        permissionDecisionReason: expect.stringMatching(/no rule allows it and defaultAction is deny/),
      });
    }
    expect(results[2]!.status).toBe(126);
    const targets = receiptsIn(state).map((x) => JSON.stringify(x.intent.target));
    expect(targets.filter((t) => t.includes("hook claude"))).toEqual([expect.stringContaining("/bin/echo")]);
  });
});
