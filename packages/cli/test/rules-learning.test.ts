import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import {
  type GovernedAction,
  Governor,
  type PolicyDocument,
  parseReceipts,
  type SealedReceipt,
  type Suggestion,
} from "@trusera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./helpers.js";

// A recorded history made by real fake agents under `transient-trace run` (audit mode: recorded,
// nothing blocked): bash and Node agents repeat routine writes under build/ that the policy denies,
// a Python agent once deletes a file outside its working tree, which the policy allows.
const POLICY: PolicyDocument = {
  version: 1,
  defaultAction: "deny",
  rules: [
    { id: "reads", action: "allow", actionClasses: ["read"] },
    { id: "deletes", action: "allow", actionClasses: ["delete"] },
    { id: "no-secrets", action: "deny", paths: ["*/secrets/*"] },
  ],
};

let root: string;
let work: string;
let state: string;
let outside: string;
const cli = (args: string[], dir = state) => run(args, dir, { cwd: work });
const receipts = (): SealedReceipt[] =>
  parseReceipts(readFileSync(join(state, "receipts", "receipts.ndjson"), "utf8"));
const suggestions = (): Suggestion[] => {
  const r = cli(["rules", "suggest", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).suggestions;
};

/** The replay done independently: every receipt decided again, one by one, under two policies. */
async function replay(policy: PolicyDocument, rule: Suggestion["rule"]) {
  const before = await Governor.create({ policy, mode: "strict", home: homedir(), slot: "test-before" });
  const after = await Governor.create({
    policy: { ...policy, rules: [...policy.rules, rule] },
    mode: "strict",
    home: homedir(),
    slot: "test-after",
  });
  let toDeny = 0;
  let toAllow = 0;
  const actions = receipts().filter((r) => r.intent.connector !== "transient-trace/rules");
  for (const r of actions) {
    const t = r.intent.target as { command: string; binary: string };
    const ctx = r.intent.context as { cwd: string };
    const act: GovernedAction = {
      kind: "command",
      binary: t.binary,
      args: t.command.split(" ").slice(1),
      cwd: ctx.cwd,
      actionClass: r.intent.action_class as never,
    };
    const a = before.decide("x", act).outcome;
    const b = after.decide("x", act).outcome;
    if (a === "allow" && b === "deny") toDeny++;
    if (a === "deny" && b === "allow") toAllow++;
  }
  return {
    replayed: actions.length,
    changed: toDeny + toAllow,
    allow_to_deny: toDeny,
    deny_to_allow: toAllow,
  };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "tt-rules-"));
  work = join(root, "work");
  state = join(root, "state");
  outside = join(root, "elsewhere");
  mkdirSync(join(work, ".atp"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, "old.log"), "x");
  writeFileSync(join(work, ".atp", "policy.json"), JSON.stringify(POLICY));
  writeFileSync(join(work, "agent.sh"), "mkdir -p build/out\ntouch build/a.txt\nls >/dev/null\n");
  writeFileSync(
    join(work, "agent.mjs"),
    `import { execFileSync } from "node:child_process";\nexecFileSync("touch", ["build/n.txt"]);\nexecFileSync("ls", ["build"]);\n`,
  );
  writeFileSync(
    join(work, "agent.py"),
    `import subprocess\nsubprocess.run(["rm", "-f", ${JSON.stringify(join(outside, "old.log"))}])\nsubprocess.run(["touch", "build/p.txt"])\n`,
  );
  // The bash agent's script is given with -c, so that run sees each command it runs.
  const bash = ["bash", "-c", readFileSync(join(work, "agent.sh"), "utf8")];
  const agents = [bash, ["node", "agent.mjs"], bash, ["python3", "agent.py"]];
  for (const argv of agents) {
    const r = cli(["run", "--mode", "audit", "--", ...argv]);
    expect(r.code, r.stderr).toBe(0);
  }
  cpSync(state, join(root, "pristine"), { recursive: true });
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("transient-trace rules", () => {
  let allow: Suggestion;
  let deny: Suggestion;

  it("suggests an allow rule for routine denied writes and a deny rule for a rare delete outside the tree", async () => {
    const list = suggestions();
    expect(list.map((s) => s.kind).sort()).toEqual(["allow", "deny"]);
    allow = list.find((s) => s.kind === "allow")!;
    deny = list.find((s) => s.kind === "deny")!;
    expect(allow.rule).toMatchObject({
      action: "allow",
      actionClasses: ["write_low"],
      paths: [`${work}/build/*`],
    });
    expect(deny.rule).toMatchObject({
      action: "deny",
      actionClasses: ["delete"],
      paths: [join(outside, "old.log")],
    });
    expect(allow.evidence.sessions).toBe(4);
    // Evidence counts equal what the log holds.
    const all = receipts();
    const writes = all.filter((r) => r.intent.action_class === "write_low" && r.decision.outcome === "deny");
    expect(allow.evidence.count).toBe(writes.length);
    expect(allow.evidence.count).toBeGreaterThanOrEqual(5);
    expect(deny.evidence.count).toBe(all.filter((r) => r.intent.action_class === "delete").length);
    expect(allow.reason).toMatch(/denied \d+ times in 4 runs/);
    expect(deny.reason).toMatch(/outside the working tree/);
    // Impact numbers equal an independent replay of every receipt.
    for (const s of [allow, deny]) {
      const { examples, ...impact } = s.impact;
      expect(impact).toEqual(await replay(POLICY, s.rule));
      expect(examples.length).toBeGreaterThan(0);
    }
    expect(allow.impact.deny_to_allow).toBe(allow.evidence.count);
    expect(deny.impact.allow_to_deny).toBe(deny.evidence.count);
    // Deterministic: the same history gives the same answer.
    expect(suggestions()).toEqual(list);
  }, 30_000);

  it("approving writes a new policy version, seals a receipt, and changes the next run's decisions", () => {
    const strictBefore = cli(["run", "--mode", "strict", "--", "bash", "-c", "touch build/s.txt"]);
    expect(strictBefore.code).toBe(126);
    const r = cli(["rules", "approve", allow.id, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout).decision;
    const policy = JSON.parse(readFileSync(join(work, ".atp", "policy.json"), "utf8"));
    expect(policy.rules.at(-1)).toEqual(allow.rule);
    expect(readFileSync(join(state, "policies", `${d.old_digest}.json`), "utf8")).toContain('"no-secrets"');
    const sealed = receipts().find((x) => x.receipt_id === d.receipt_id)!;
    expect(sealed.intent).toMatchObject({ action: "policy.suggestion_approved", target: { id: allow.id } });
    expect(sealed.signature).toBeTruthy();
    const strictAfter = cli(["run", "--mode", "strict", "--", "bash", "-c", "touch build/s.txt"]);
    expect(strictAfter.code, strictAfter.stderr).toBe(0);
    expect(receipts().at(-1)!.decision).toMatchObject({
      outcome: "allow",
      reason_code: `rule:${allow.rule.id}`,
    });
    expect(suggestions().map((s) => s.id)).not.toContain(allow.id);
  }, 30_000);

  it("rejecting hides a suggestion; unknown and rejected ids are clear errors", () => {
    const r = cli(["rules", "reject", deny.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`rejected ${deny.id}`);
    expect(suggestions().map((s) => s.id)).not.toContain(deny.id);
    const again = cli(["rules", "approve", deny.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("was rejected");
    const unknown = cli(["rules", "approve", "S-000000000000"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no suggestion S-000000000000");
    expect(cli(["rules", "approve"]).code).toBe(2);
  }, 30_000);

  it("--auto-approve-tightening approves only the suggestions that never open anything", () => {
    const policyFile = join(root, "auto-policy.json");
    writeFileSync(policyFile, JSON.stringify(POLICY));
    const r = cli(
      ["rules", "suggest", "--auto-approve-tightening", "--json", "--policy", policyFile],
      join(root, "pristine"),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.auto_approved).toEqual([deny.id]);
    expect(out.suggestions.map((s: Suggestion) => s.id)).toEqual([allow.id]);
    expect(JSON.parse(readFileSync(policyFile, "utf8")).rules.at(-1)).toEqual(deny.rule);
    // The same signed approval receipt as a person's, marked automatic.
    const sealed = parseReceipts(
      readFileSync(join(root, "pristine", "receipts", "receipts.ndjson"), "utf8"),
    ).filter((x) => x.intent.action === "policy.suggestion_approved");
    expect(sealed.map((x) => [x.intent.target, x.intent.context.automatic])).toEqual([
      [{ id: deny.id }, true],
    ]);
    expect(cli(["receipts", "verify"], join(root, "pristine")).code).toBe(0);
  }, 30_000);

  it("--since limits the window; a bad --since is a usage error", () => {
    const r = cli(["rules", "suggest", "--since", "2099-01-01", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ replayed: 0, suggestions: [] });
    const bad = cli(["rules", "suggest", "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since takes a duration");
  }, 30_000);

  it("refuses a tampered receipt log with the verify error", () => {
    const copy = join(root, "tampered");
    cpSync(state, copy, { recursive: true });
    const log = join(copy, "receipts", "receipts.ndjson");
    writeFileSync(log, readFileSync(log, "utf8").replace("build/a.txt", "build/b.txt"));
    const r = cli(["rules", "suggest"], copy);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to learn .*verification FAILED: first broken link/);
  }, 30_000);
});
