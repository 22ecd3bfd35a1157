import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { hookCommand } from "../src/wrap/claude-settings.js";
import { CLI } from "./helpers.js";
import { hookWithStdinOpen } from "./hook-helpers.js";
import { cli, E2E_POLICY, receiptsIn } from "./run-helpers.js";

const dirs: { remove(): void }[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});
function sandbox() {
  const d = tempDir("tt-hook-");
  dirs.push(d);
  const policy = join(d.path, "policy.json");
  writeFileSync(policy, JSON.stringify(E2E_POLICY));
  return { dir: d.path, state: join(d.path, "state"), policy };
}

const input = (tool_name: string, tool_input: Record<string, unknown>, cwd = "/tmp") =>
  JSON.stringify({
    session_id: "0b6a-test",
    transcript_path: "/tmp/transcript.jsonl",
    cwd,
    hook_event_name: "PreToolUse",
    tool_name,
    tool_input,
  });

describe("transient-trace hook claude (Claude Code PreToolUse protocol)", () => {
  it("denies in the hook protocol with the blocked line as the reason, and exits 0", async () => {
    const s = sandbox();
    const r = await cli(["hook", "claude"], {
      env: { TRANSIENT_TRACE_STATE_DIR: s.state, TRANSIENT_TRACE_MODE: "strict", ATP_POLICY_PATH: s.policy },
      input: input("Bash", { command: "git status && rm -rf build", description: "clean" }, s.dir),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "deny",
        permissionDecisionReason: expect.stringMatching(
          /^transient-trace: blocked "rm -rf build" \(delete\) by rule "no-delete"/,
        ),
      },
    });
    const receipts = receiptsIn(s.state);
    expect(receipts.map((x) => [x.intent.target, x.execution_status, x.intent.connector])).toEqual([
      [{ command: "git status", binary: "git" }, "blocked", "transient-trace/claude-hook"],
      [{ command: "rm -rf build", binary: "rm" }, "blocked", "transient-trace/claude-hook"],
    ]);
    expect(receipts[0]!.intent.actor_id).toBe("claude-code");
  });

  it("gives no decision for an allowed call (Claude Code's own permissions still apply), and none in audit", async () => {
    const s = sandbox();
    const env = { TRANSIENT_TRACE_STATE_DIR: s.state, ATP_POLICY_PATH: s.policy };
    const allowed = await cli(["hook", "claude"], {
      env: { ...env, TRANSIENT_TRACE_MODE: "strict" },
      input: input("Edit", { file_path: join(s.dir, "a.ts"), old_string: "a", new_string: "b" }),
    });
    expect([allowed.code, JSON.parse(allowed.stdout)]).toEqual([0, {}]);
    const audit = await cli(["hook", "claude"], {
      env: { ...env, TRANSIENT_TRACE_MODE: "audit" },
      input: input("WebFetch", { url: "http://127.0.0.1:9/x?token=abc123secretsecret", prompt: "p" }),
    });
    expect([audit.code, JSON.parse(audit.stdout)]).toEqual([0, {}]);
    const [edit, fetch] = receiptsIn(s.state);
    expect(edit!.intent).toMatchObject({ action: "file.edit", action_class: "write_low" });
    expect(fetch!.intent).toMatchObject({ action: "web.fetch", action_class: "network" });
    expect(fetch!.decision).toMatchObject({
      outcome: "deny",
      enforced: false,
      reason_code: "rule:no-loopback",
    });
    expect(JSON.stringify(fetch)).not.toContain("abc123secretsecret");
  });

  it("fails closed in strict: input that is not JSON, a policy that is missing or invalid", async () => {
    const s = sandbox();
    const strict = { TRANSIENT_TRACE_STATE_DIR: s.state, TRANSIENT_TRACE_MODE: "strict" };
    const cases = [
      { env: { ...strict, ATP_POLICY_PATH: s.policy }, text: "{not json", why: /not JSON/ },
      {
        env: { ...strict, ATP_POLICY_PATH: join(s.dir, "missing.json") },
        text: input("Bash", { command: "ls" }),
        why: /cannot read the policy/,
      },
      {
        env: { ...strict },
        text: input("Bash", { command: "ls" }, s.dir),
        why: /no rule allows it and defaultAction is deny \[strict, policy built-in deny-all\]/,
      },
    ];
    writeFileSync(join(s.dir, "broken.json"), '{"version": 2}');
    cases.push({
      env: { ...strict, ATP_POLICY_PATH: join(s.dir, "broken.json") },
      text: input("Write", { file_path: "/tmp/x", content: "" }),
      why: /invalid policy/,
    });
    for (const c of cases) {
      const r = await cli(["hook", "claude"], { env: c.env, input: c.text });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.hookSpecificOutput.permissionDecision, r.stdout).toBe("deny");
      expect(out.hookSpecificOutput.permissionDecisionReason).toMatch(c.why);
    }
    const audit = await cli(["hook", "claude"], {
      env: {
        TRANSIENT_TRACE_STATE_DIR: s.state,
        TRANSIENT_TRACE_MODE: "audit",
        ATP_POLICY_PATH: join(s.dir, "missing.json"),
      },
      input: input("Bash", { command: "ls" }),
    });
    expect([audit.code, JSON.parse(audit.stdout)]).toEqual([0, {}]);
    expect(audit.stderr).toMatch(/audit mode lets the call through/);
  });

  it("malformed tool input: denied in strict, let through in audit without naming strict (issue 16 item 6)", async () => {
    const s = sandbox();
    const base = { TRANSIENT_TRACE_STATE_DIR: s.state, ATP_POLICY_PATH: s.policy };
    const bad = [
      JSON.stringify({ tool_name: "Bash" }),
      JSON.stringify({ tool_name: "Bash", tool_input: { command: 42 } }),
      JSON.stringify({ tool_name: "Write", tool_input: "x" }),
    ];
    for (const text of bad) {
      const strict = await cli(["hook", "claude"], {
        env: { ...base, TRANSIENT_TRACE_MODE: "strict" },
        input: text,
      });
      expect(strict.code).toBe(0);
      expect(JSON.parse(strict.stdout).hookSpecificOutput, text).toMatchObject({
        permissionDecision: "deny",
        permissionDecisionReason: expect.stringMatching(
          /malformed hook input: .* and strict mode fails closed/,
        ),
      });
      const audit = await cli(["hook", "claude"], {
        env: { ...base, TRANSIENT_TRACE_MODE: "audit" },
        input: text,
      });
      expect([audit.code, JSON.parse(audit.stdout)], text).toEqual([0, {}]);
      expect(audit.stderr).toMatch(/malformed hook input: .*audit mode lets the call through/);
      expect(audit.stderr).not.toMatch(/strict/);
    }
    // Not JSON at all, in audit: no mention of strict either.
    const notJson = await cli(["hook", "claude"], {
      env: { ...base, TRANSIENT_TRACE_MODE: "audit" },
      input: "{oops",
    });
    expect([JSON.parse(notJson.stdout), /strict/.test(notJson.stderr)]).toEqual([{}, false]);
  });

  it("--deadline-ms holds while the decision runs, and the process exits once it answered", async () => {
    const s = sandbox();
    // A policy whose compilation takes over a second of CPU (4,000 rules; the text bound allows few more):
    // no decision within the deadlines below. It took ~5 s when this test was written and ~1.4 s since
    // the compiled evaluator got faster, so a 1,500 ms deadline raced the decision; 800 ms keeps a margin.
    const rules = Array.from({ length: 4000 }, (_, i) => ({
      id: `r${i}`,
      action: "deny",
      commands: [`cmd${i} *`],
    }));
    const slow = join(s.dir, "slow.json");
    writeFileSync(slow, JSON.stringify({ version: 1, defaultAction: "allow", rules }));
    const env = { TRANSIENT_TRACE_STATE_DIR: s.state, ATP_POLICY_PATH: slow };
    // 800 ms: past the start-up (~0.3 s), so the timer fires while the policy compiles (on a machine so
    // loaded that the start-up takes longer, it fires at once, with the same answer).
    const strict = await cli(["hook", "claude", "--deadline-ms", "800"], {
      env: { ...env, TRANSIENT_TRACE_MODE: "strict" },
      input: input("Bash", { command: "ls" }),
    });
    expect(JSON.parse(strict.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringMatching(
        /no answer within 800 ms\) and strict mode fails closed/,
      ),
    });
    const audit = await cli(["hook", "claude", "--deadline-ms", "200"], {
      env: { ...env, TRANSIENT_TRACE_MODE: "audit" },
      input: input("Bash", { command: "ls" }),
    });
    expect(JSON.parse(audit.stdout)).toEqual({});
    expect(audit.stderr).toMatch(/no answer within 200 ms/);

    // stdin never closed: answered, and the process is gone.
    const open = await hookWithStdinOpen(
      { TRANSIENT_TRACE_STATE_DIR: s.state, TRANSIENT_TRACE_MODE: "strict", ATP_POLICY_PATH: s.policy },
      input("Bash", { command: "rm -rf build" }, s.dir),
    );
    expect([open.code, open.signal]).toEqual([0, null]);
    // The real decision (read before stdin ended), not a fallback for input never received.
    expect(JSON.parse(open.stdout).hookSpecificOutput.permissionDecisionReason).toMatch(
      /^transient-trace: blocked "rm -rf build" \(delete\) by rule "no-delete"/,
    );
  });

  it("fails closed on a timeout: a session whose daemon never answers", async () => {
    const s = sandbox();
    const session = join(s.dir, "session");
    mkdirSync(session);
    const socket = join(session, "d.sock");
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(socket, () => r()));
    writeFileSync(
      join(session, "session.json"),
      JSON.stringify({
        version: 1,
        id: "silent",
        pid: process.pid,
        mode: "strict",
        policy: E2E_POLICY,
        policy_where: s.policy,
        agent_id: "claude",
        state_dir: s.state,
        socket,
        port: 9,
        token: "t",
      }),
    );
    try {
      const started = Date.now();
      const r = await cli(["hook", "claude", "--deadline-ms", "400"], {
        env: { TRANSIENT_TRACE_SESSION: session },
        input: input("Bash", { command: "ls" }),
      });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).hookSpecificOutput).toMatchObject({
        permissionDecision: "deny",
        permissionDecisionReason: expect.stringMatching(
          /no answer within 400 ms\) and strict mode fails closed/,
        ),
      });
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      silent.close();
    }
  });

  it("inside transient-trace run, decides with the session's policy and mode through its daemon", async () => {
    const s = sandbox();
    const script = `printf '%s' '${input("mcp__files__delete_file", { path: "/srv/data/a.db" })}' | node '${CLI}' hook claude`;
    const r = await cli(["run", "--mode", "strict", "--policy", s.policy, "--", "bash", "-c", script], {
      env: { TRANSIENT_TRACE_STATE_DIR: s.state, TRANSIENT_TRACE_MODE: "audit" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringMatching(
        /blocked "mcp__files__delete_file" \(delete\) by rule "no-delete" \[strict/,
      ),
    });
    const hook = receiptsIn(s.state).find((x) => x.intent.connector === "transient-trace/claude-hook")!;
    expect(hook.intent).toMatchObject({
      action: "mcp.files.delete_file",
      actor_id: "bash",
      context: { paths: ["/srv/data/a.db"] },
    });
    expect(hook.metadata).toMatchObject({ run_id: expect.any(String) });
  });

  it("the registered command turns a hook that dies without answering into exit 2 (Claude Code blocks)", () => {
    const cmd = hookCommand("/nonexistent/node", "/nonexistent/cli.js");
    const r = spawnSync("/bin/sh", ["-c", cmd], {
      input: input("Bash", { command: "ls" }),
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
  });
});
