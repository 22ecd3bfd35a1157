import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "./helpers.js";
import { AGENT_DIR, cli, E2E_POLICY, python3, receiptsIn } from "./run-helpers.js";

const dirs: { remove(): void }[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

function sandbox(victims: string[]) {
  const d = tempDir("tt-integrity-");
  dirs.push(d);
  const policy = join(d.path, "policy.json");
  writeFileSync(policy, JSON.stringify(E2E_POLICY));
  const allowAll = join(d.path, "allow-all.json");
  writeFileSync(allowAll, JSON.stringify({ version: 1, defaultAction: "allow", rules: [] }));
  for (const v of victims) writeFileSync(join(d.path, `victim-${v}.txt`), "precious\n");
  return { dir: d.path, state: join(d.path, "state"), policy, allowAll };
}

describe("run: mode and policy are fixed when it starts", () => {
  it("a child that exports TRANSIENT_TRACE_MODE=audit or a new ATP_POLICY_PATH, sets the config, nests run or trims its children's env cannot weaken them", async () => {
    const victims = [
      "env-vars",
      "config-set",
      "nested-run",
      "nested-run-bogus-session",
      "node-trimmed-env",
      "python-trimmed-env",
    ];
    const s = sandbox(victims);
    const r = await cli(
      ["run", "--mode", "strict", "--policy", s.policy, "--", join(AGENT_DIR, "weaken.sh")],
      {
        env: {
          TRANSIENT_TRACE_STATE_DIR: s.state,
          VICTIMS: s.dir,
          TT_CLI: CLI,
          PYTHON: python3(),
          ALLOW_ALL: s.allowAll,
        },
        cwd: s.dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    for (const v of victims) expect(existsSync(join(s.dir, `victim-${v}.txt`)), v).toBe(true);
    expect(r.stderr).toMatch(
      /already in session .*: its mode \(strict\) and policy \(.*policy\.json\) stay in force/,
    );
    const denials = receiptsIn(s.state).filter((x) => x.decision.outcome === "deny");
    for (const v of victims)
      expect(
        denials.some((x) => JSON.stringify(x).includes(`victim-${v}.txt`)),
        `a blocked receipt for ${v}`,
      ).toBe(true);
    for (const x of receiptsIn(s.state)) {
      expect(x.decision.mode).toBe("strict");
      expect(x.intent.governance_profile).toBe("transient-trace:strict");
    }
  });
});

describe("run: its daemon gone", () => {
  const orphan = async (mode: "strict" | "audit", breakSession: boolean) => {
    const victims = ["orphan-shell", "orphan-node", "orphan-python"];
    const s = sandbox(victims);
    // The run is SIGKILLed by its own child; cli() returns when the orphan closes the pipes.
    const r = await cli(["run", "--mode", mode, "--policy", s.policy, "--", join(AGENT_DIR, "orphan.sh")], {
      env: {
        TRANSIENT_TRACE_STATE_DIR: s.state,
        VICTIMS: s.dir,
        PYTHON: python3(),
        BREAK_SESSION: breakSession ? "1" : undefined,
      },
      cwd: s.dir,
    });
    expect(r.signal).toBe("SIGKILL");
    const left = victims.filter((v) => existsSync(join(s.dir, `victim-${v}.txt`)));
    return { ...s, r, left };
  };

  it("strict: shims and guards decide in a cold process from the session file, block, and seal into the same chain", async () => {
    const o = await orphan("strict", false);
    expect(o.left).toEqual(["orphan-shell", "orphan-node", "orphan-python"]);
    expect(o.r.stderr).toMatch(/git ran/);
    expect(o.r.stderr).toMatch(/rm exit 126/);
    expect(o.r.stderr).toMatch(/node exit 126/);
    expect(o.r.stderr).toMatch(/python exit 126/);
    const fallback = receiptsIn(o.state).filter(
      (x) => (x.metadata as Record<string, unknown>).fallback === true,
    );
    expect(fallback.map((x) => x.intent.connector).sort()).toEqual([
      "transient-trace/node",
      "transient-trace/python",
      "transient-trace/shell",
      "transient-trace/shell",
    ]);
    expect(fallback.filter((x) => x.execution_status === "blocked")).toHaveLength(3);
    const verify = await cli(["receipts", "verify"], { env: { TRANSIENT_TRACE_STATE_DIR: o.state } });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it("strict with no fallback either (session file gone): fails closed, every action blocked", async () => {
    const o = await orphan("strict", true);
    expect(o.left).toEqual(["orphan-shell", "orphan-node", "orphan-python"]);
    expect(o.r.stderr).not.toMatch(/git ran/);
    expect(o.r.stderr).toMatch(/no decision could be made .* and strict mode fails closed/);
  });

  it("audit with no fallback either: actions run, with a warning that nothing was recorded", async () => {
    const o = await orphan("audit", true);
    expect(o.left).toEqual([]);
    expect(o.r.stderr).toMatch(/git ran/);
    expect(o.r.stderr).toMatch(/warning: .*without a decision or receipt/);
  });
});
