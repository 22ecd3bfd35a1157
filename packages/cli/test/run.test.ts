import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { cli, E2E_POLICY, receiptsIn } from "./run-helpers.js";

const dirs: { remove(): void }[] = [];
function sandbox() {
  const d = tempDir("tt-run-");
  dirs.push(d);
  const state = join(d.path, "state");
  const policy = join(d.path, "policy.json");
  writeFileSync(policy, JSON.stringify(E2E_POLICY));
  const victim = join(d.path, "victim.txt");
  writeFileSync(victim, "precious\n");
  return { dir: d.path, state, policy, victim, env: { TRANSIENT_TRACE_STATE_DIR: state } };
}
afterAll(() => {
  for (const d of dirs) d.remove();
});

describe("transient-trace run", () => {
  it("documents itself and the new commands", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["run", "wrap install", "wrap status", "wrap uninstall", "hook claude"])
      expect(top.stdout).toContain(`  ${c}`);
    const help = await cli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--mode M/);
    expect(help.stdout).toMatch(/126 CMD was blocked/);
    const none = await cli(["run"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no command given/);
    const bad = await cli(["run", "--mode", "loose", "--", "true"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/mode must be audit, strict or permissive/);
  });

  it("blocks a forbidden command with one clear line (what, which rule, how to allow) and exit 126", async () => {
    const s = sandbox();
    const r = await cli(["run", "--mode", "strict", "--policy", s.policy, "--", "rm", s.victim], {
      env: s.env,
      cwd: s.dir,
    });
    expect(r.code).toBe(126);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^transient-trace: blocked "rm .*victim\.txt" \(delete\) by rule "no-delete" \[strict, policy .*policy\.json\]; to allow it, narrow or remove rule "no-delete"/,
    );
    expect(readFileSync(s.victim, "utf8")).toBe("precious\n");
    const [receipt] = receiptsIn(s.state);
    expect(receipt).toMatchObject({
      execution_status: "blocked",
      intent: {
        connector: "transient-trace/run",
        actor_id: "rm",
        action: "shell_exec",
        action_class: "delete",
      },
      decision: { outcome: "deny", reason_code: "rule:no-delete", mode: "strict", enforced: true },
    });
  });

  it("launches the agent program itself unless a rule denies it (defaultAction governs what it does)", async () => {
    const s = sandbox();
    const bin = join(s.dir, "bin");
    mkdirSync(bin);
    // A stand-in for `claude`: it tries one allowed and one forbidden command through the shims.
    writeFileSync(
      join(bin, "fake-agent"),
      "#!/bin/bash\ngit --version >/dev/null && echo git-ok\nrm -f victim.txt; echo rm $?\n",
      {
        mode: 0o755,
      },
    );
    writeFileSync(join(s.dir, "victim.txt"), "keep me");
    // The seed's example policy: deny by default, allow git reads and low writes.
    writeFileSync(
      s.policy,
      JSON.stringify({
        version: 1,
        defaultAction: "deny",
        rules: [
          { id: "allow-git", action: "allow", actionClasses: ["read", "write_low"] },
          {
            id: "allow-anthropic",
            action: "allow",
            actionClasses: ["network"],
            hosts: ["api.anthropic.com"],
          },
        ],
      }),
    );
    const env = { ...s.env, PATH: `${bin}:${process.env.PATH}` };
    const r = await cli(["run", "--mode", "strict", "--policy", s.policy, "--", "fake-agent"], {
      env,
      cwd: s.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("git-ok\nrm 126\n");
    expect(existsSync(join(s.dir, "victim.txt"))).toBe(true);
    expect(r.stderr).toMatch(/blocked "rm -f victim.txt" \(delete\): no rule allows it/);
    writeFileSync(
      s.policy,
      JSON.stringify({
        version: 1,
        defaultAction: "allow",
        rules: [{ id: "no-agent", action: "deny", binaries: ["fake-agent"] }],
      }),
    );
    const denied = await cli(["run", "--mode", "strict", "--policy", s.policy, "--", "fake-agent"], {
      env,
      cwd: s.dir,
    });
    expect(denied.code).toBe(126);
    expect(denied.stderr).toMatch(/blocked "fake-agent" \(exec\) by rule "no-agent"/);
  });

  it("says how to allow a command that no rule allows (default deny)", async () => {
    const s = sandbox();
    const r = await cli(["run", "--mode", "strict", "--", "sh", "-c", "ls"], { env: s.env, cwd: s.dir });
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(
      /blocked "ls" \(read\): no rule allows it and defaultAction is deny \[strict, policy built-in deny-all\]; to allow it, add a rule such as \{"id":"allow-read","action":"allow","actionClasses":\["read"\]\}/,
    );
  });

  it("suggests allowing an unknown program by name, not the whole exec class; --packages shims more programs", async () => {
    const s = sandbox();
    const bin = join(s.dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "mytool"), "#!/bin/sh\necho mytool ran\n", { mode: 0o755 });
    writeFileSync(
      s.policy,
      JSON.stringify({
        version: 1,
        defaultAction: "deny",
        rules: [{ id: "reads", action: "allow", actionClasses: ["read"] }],
      }),
    );
    const env = { ...s.env, PATH: `${bin}:${process.env.PATH}` };
    const top = await cli(["run", "--mode", "strict", "--policy", s.policy, "--", "sh", "-c", "mytool"], {
      env,
      cwd: s.dir,
    });
    expect(top.code).toBe(126);
    expect(top.stderr).toMatch(
      /blocked "mytool" \(exec\): no rule allows it .* add a rule such as \{"id":"allow-mytool","action":"allow","binaries":\["mytool"\]\}/,
    );
    writeFileSync(
      s.policy,
      JSON.stringify({
        version: 1,
        defaultAction: "allow",
        rules: [{ id: "no-mytool", action: "deny", binaries: ["mytool"] }],
      }),
    );
    const script = "mytool; echo after $?";
    writeFileSync(join(s.dir, "script.sh"), `#!/bin/bash\n${script}\n`, { mode: 0o755 });
    const noShim = await cli(
      ["run", "--mode", "strict", "--policy", s.policy, "--", join(s.dir, "script.sh")],
      { env, cwd: s.dir },
    );
    expect(noShim.stdout).toBe("mytool ran\nafter 0\n");
    const withShim = await cli(
      [
        "run",
        "--mode",
        "strict",
        "--policy",
        s.policy,
        "--packages",
        "mytool",
        "--",
        join(s.dir, "script.sh"),
      ],
      {
        env,
        cwd: s.dir,
      },
    );
    expect(withShim.stdout).toBe("after 126\n");
    expect(withShim.stderr).toMatch(/blocked "mytool" \(exec\) by rule "no-mytool"/);
  });

  it("passes the command's exit code through, and 127 for a command that does not exist", async () => {
    const s = sandbox();
    const seven = await cli(["run", "--policy", s.policy, "--", "sh", "-c", "exit 7"], {
      env: s.env,
      cwd: s.dir,
    });
    expect(seven.code).toBe(7);
    const missing = await cli(["run", "--", "no-such-program-tt"], { env: s.env, cwd: s.dir });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/no-such-program-tt: command not found/);
  });

  it("audit (the default) records the deny and runs the command", async () => {
    const s = sandbox();
    const r = await cli(["run", "--policy", s.policy, "--", "rm", s.victim], { env: s.env, cwd: s.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(existsSync(s.victim)).toBe(false);
    const [receipt] = receiptsIn(s.state);
    expect(receipt).toMatchObject({
      execution_status: "executed",
      decision: { outcome: "deny", mode: "audit", enforced: false },
    });
  });

  it("takes strict from `config set mode strict`, and from TRANSIENT_TRACE_MODE when run starts", async () => {
    const s = sandbox();
    expect((await cli(["config", "set", "mode", "strict"], { env: s.env })).code).toBe(0);
    const byConfig = await cli(["run", "--policy", s.policy, "--", "rm", s.victim], {
      env: s.env,
      cwd: s.dir,
    });
    expect(byConfig.code).toBe(126);
    const t = sandbox();
    const byEnv = await cli(["run", "--policy", t.policy, "--", "rm", t.victim], {
      env: { ...t.env, TRANSIENT_TRACE_MODE: "strict" },
      cwd: t.dir,
    });
    expect(byEnv.code).toBe(126);
    expect(existsSync(s.victim) && existsSync(t.victim)).toBe(true);
  });

  it("refuses to start with a policy it cannot read, and runs nothing", async () => {
    const s = sandbox();
    writeFileSync(
      s.policy,
      '{"version": 1, "defaultAction": "allow", "rules": [{"id": "x", "action": "allow", "actionClass": ["read"]}]}',
    );
    const r = await cli(["run", "--mode", "audit", "--policy", s.policy, "--", "rm", s.victim], {
      env: s.env,
      cwd: s.dir,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid policy/);
    expect(existsSync(s.victim)).toBe(true);
  });

  it("ties the receipts of one run together (the command, then what it runs) and marks the session ended", async () => {
    const s = sandbox();
    const r = await cli(
      [
        "run",
        "--mode",
        "strict",
        "--policy",
        s.policy,
        "--verbose",
        "--",
        "bash",
        "-c",
        `git --version >/dev/null; ls >/dev/null`,
      ],
      { env: s.env, cwd: s.dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/session .*: strict \(flag\)/);
    const receipts = receiptsIn(s.state);
    expect(receipts.map((x) => x.intent.target)).toEqual([
      { command: "git --version", binary: "git" },
      { command: "ls", binary: "ls" },
      { command: "git --version", binary: expect.stringMatching(/^\/.*\/git$/) },
    ]);
    const sessions = readdirSync(join(s.state, "sessions"));
    expect(sessions).toHaveLength(1);
    const session = JSON.parse(readFileSync(join(s.state, "sessions", sessions[0]!, "session.json"), "utf8"));
    expect(session.ended_at).toBeTruthy();
    expect(existsSync(session.socket)).toBe(false);
    for (const x of receipts) {
      expect(x.metadata).toMatchObject({ run_id: session.id });
      expect(x.correlation_id.startsWith(session.id)).toBe(true);
    }
    expect(receipts.map((x) => x.intent.connector)).toEqual([
      "transient-trace/run",
      "transient-trace/run",
      "transient-trace/shell",
    ]);
  });
});
