import { generateKeyPairSync } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { KeyStore, pinKey, publicJwk, statePaths } from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICY, run, seed } from "./helpers.js";

const dirs: { remove(): void }[] = [];
const fresh = () => {
  const d = tempDir("tt-cli-");
  dirs.push(d);
  return d.path;
};
afterAll(() => {
  for (const d of dirs) d.remove();
});

/** A state directory with 10 receipts, copied per test so each can tamper with its own. */
let pristine: string;
beforeAll(async () => {
  pristine = fresh();
  await seed(pristine, 10);
});

function copyState(): string {
  const to = fresh();
  const walk = (from: string, dest: string) => {
    mkdirSync(dest, { recursive: true, mode: 0o700 });
    for (const e of readdirSync(from, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(from, e.name), join(dest, e.name));
      else if (e.isFile()) copyFileSync(join(from, e.name), join(dest, e.name));
    }
  };
  walk(pristine, to);
  // The copy stands for the user's own directory: its keys are pinned as the writer pins them.
  for (const k of new KeyStore(statePaths(to)).jwks().keys) pinKey(to, k.kid);
  return to;
}

const logLines = (dir: string) => readFileSync(statePaths(dir).log, "utf8").split("\n").filter(Boolean);
const writeLines = (dir: string, lines: string[]) =>
  writeFileSync(statePaths(dir).log, `${lines.join("\n")}\n`);
const idAt = (dir: string, seq: number) =>
  JSON.parse(logLines(dir).find((l) => JSON.parse(l).chain.seq === seq)!).receipt_id as string;

describe("transient-trace CLI", () => {
  it("has --help on every command and documents exit codes", () => {
    const dir = fresh();
    const top = run(["--help"], dir);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes: 0 success/);
    for (const cmd of [
      "receipts list",
      "receipts summary",
      "receipts show",
      "receipts verify",
      "receipts export",
      "receipts upload",
      "config show",
      "config set",
      "policy check",
      "keys rotate",
      "keys list",
    ]) {
      const r = run([...cmd.split(" "), "--help"], dir);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`Usage: transient-trace ${cmd}`);
    }
    expect(run(["receipts", "--help"], dir).stdout).toMatch(
      /receipts <list\|summary\|show\|verify\|export\|upload>/,
    );
    expect(run([], dir).code).toBe(2);
    const bad = run(["receipts", "frob"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "receipts frob"/);
    expect(run(["receipts", "list", "--nope"], dir).code).toBe(2);
    expect(run(["--version"], dir).stdout).toBe("0.1.0\n");
  });

  it("lists, filters, summarizes and shows receipts, as text and as JSON", () => {
    const list = run(["receipts", "list"], pristine);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split("\n")).toHaveLength(11);
    expect(list.stdout.split("\n")[0]).toBe(
      "OCCURRED_AT\tRECEIPT\tOUTCOME\tEXECUTION\tCLASS\tACTION\tTARGET\tREASON",
    );
    expect(list.stdout).toMatch(/^\S+\tTR-\d+\tallow\texecuted\tread\texecute\tresource-1\trule:reads$/m);

    const denied = run(["receipts", "list", "--outcome", "deny", "--json"], pristine);
    const rows = denied.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.intent.target.id)).toEqual(["resource-5", "resource-10"]);
    expect(rows.every((r) => r.execution_status === "blocked" && r.signature.alg === "Ed25519")).toBe(true);

    expect(
      run(["receipts", "list", "--action-class", "delete"], pristine).stdout.trim().split("\n"),
    ).toHaveLength(3);
    expect(run(["receipts", "list", "--since", "30m"], pristine).stdout.trim().split("\n")).toHaveLength(11);
    expect(run(["receipts", "list", "--until", "2001-01-01"], pristine).stdout).toBe("");
    expect(run(["receipts", "list", "--since", "yesterday"], pristine).code).toBe(2);

    const summary = run(["receipts", "summary", "--since", "1h", "--json"], pristine);
    expect(summary.code).toBe(0);
    const s = JSON.parse(summary.stdout);
    expect(s.version).toBe(1);
    expect(s.summary).toMatchObject({ total: 10, allowed: 8, denied: 2, blocked: 2, deny_rate: 0.2 });
    expect(s.summary.denied_actions[0]).toMatchObject({
      action_class: "delete",
      reason_code: "rule:no-delete",
    });
    expect(run(["receipts", "summary"], pristine).stdout).toMatch(
      /10 receipts: 8 allowed, 2 denied \(deny rate 20.0%\)/,
    );

    const id = idAt(pristine, 3);
    const show = run(["receipts", "show", id], pristine);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).receipt_id).toBe(id);
    expect(show.stderr).toMatch(/Signature valid/);
    expect(JSON.parse(run(["receipts", "show", id, "--json"], pristine).stdout)).toMatchObject({
      version: 1,
      signature_valid: true,
    });
    expect(run(["receipts", "show", "TR-1"], pristine).code).toBe(1);
  });

  it("verifies an intact log", () => {
    const r = run(["receipts", "verify"], pristine);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: 10 receipts, seq 1-10, signatures valid, chain intact/);
    const j = JSON.parse(run(["receipts", "verify", "--json"], pristine).stdout);
    expect(j).toMatchObject({ version: 1, report: { ok: true, receipts: 10, lastSeq: 10 } });
  });

  describe("tamper suite: receipts verify fails naming the receipt", () => {
    it("an edited field", () => {
      const dir = copyState();
      const lines = logLines(dir);
      lines[3] = lines[3]!.replace('"resource-4"', '"resource-X"');
      writeLines(dir, lines);
      const r = run(["receipts", "verify"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `first broken link: ${idAt(dir, 4)} (seq 4, line 4): signature does not verify`,
      );
    });

    it("a deleted receipt", () => {
      const dir = copyState();
      const lines = logLines(dir);
      const gone = JSON.parse(lines[4]!).receipt_id;
      lines.splice(4, 1);
      writeLines(dir, lines);
      const r = run(["receipts", "verify"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`first broken link: ${idAt(dir, 6)} (seq 6, line 5): seq 6 follows`);
      expect(r.stderr).toContain("expected seq 5: a receipt is missing");
      expect(r.stdout).not.toContain(gone);
    });

    it("two receipts swapped", () => {
      const dir = copyState();
      const lines = logLines(dir);
      [lines[6], lines[7]] = [lines[7]!, lines[6]!];
      writeLines(dir, lines);
      const r = run(["receipts", "verify"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`first broken link: ${idAt(dir, 8)} (seq 8, line 7): seq 8 follows`);
    });

    it("a cut tail", () => {
      const dir = copyState();
      writeLines(dir, logLines(dir).slice(0, 7));
      const r = run(["receipts", "verify"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /the log ends at TR-\d+ \(seq 7, line 7\) but the head checkpoint records TR-\d+ \(seq 10\)/,
      );
      expect(r.stderr).toContain(idAt(pristine, 10));
    });

    it("a replaced key", () => {
      const dir = copyState();
      const paths = statePaths(dir);
      const { publicKey } = generateKeyPairSync("ed25519");
      writeFileSync(paths.jwks, JSON.stringify({ keys: [{ ...publicJwk(publicKey), status: "active" }] }));
      const r = run(["receipts", "verify"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`first broken link: ${idAt(dir, 1)} (seq 1, line 1): signed by unknown key`);
    });

    it("a receipt re-signed with another key after an edit", () => {
      const dir = copyState();
      const lines = logLines(dir);
      const r2 = JSON.parse(lines[1]!);
      r2.signature.kid = "attacker";
      lines[1] = JSON.stringify(r2);
      writeLines(dir, lines);
      const r = run(["receipts", "verify"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${r2.receipt_id} (seq 2, line 2): signed by unknown key attacker`);
    });

    it("a torn last line is reported with exit 3, every receipt before it valid", () => {
      const dir = copyState();
      const lines = logLines(dir);
      writeFileSync(statePaths(dir).log, `${lines.join("\n")}\n${lines[9]!.slice(0, 100)}`);
      const r = run(["receipts", "verify"], dir);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/^ok: 10 receipts/);
      expect(r.stderr).toMatch(/incomplete: line 11: not a complete receipt/);
    });
  });

  it("exports a bundle that verifies offline elsewhere, and fails when tampered", () => {
    const out = join(fresh(), "bundle.json");
    const exp = run(["receipts", "export", "--out", out], pristine);
    expect(exp.code).toBe(0);
    expect(exp.stderr).toMatch(/Exported 10 receipts and 1 public key/);
    const elsewhere = fresh(); // another machine: no keys, no log
    const ok = run(["receipts", "verify", "--bundle", out], elsewhere);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 10 receipts/);
    expect(existsSync(statePaths(elsewhere).keysDir)).toBe(false);

    const bundle = JSON.parse(readFileSync(out, "utf8"));
    bundle.receipts[2].intent.action_class = "read_only";
    const bad = join(fresh(), "bad.json");
    writeFileSync(bad, JSON.stringify(bundle));
    const r = run(["receipts", "verify", "--bundle", bad], elsewhere);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bundle.receipts[2].receipt_id} (seq 3, line 3)`);

    const other = generateKeyPairSync("ed25519").publicKey;
    const jwks = join(fresh(), "jwks.json");
    writeFileSync(jwks, JSON.stringify({ keys: [publicJwk(other)] }));
    expect(run(["receipts", "verify", "--bundle", out, "--jwks", jwks], elsewhere).code).toBe(1);
    const own = join(fresh(), "own.json");
    writeFileSync(own, run(["keys", "list", "--json"], pristine).stdout);
    expect(run(["receipts", "verify", "--bundle", out, "--jwks", own], elsewhere).code).toBe(0);
    expect(run(["receipts", "verify", "--bundle", join(elsewhere, "missing.json")], elsewhere).code).toBe(1);
  });

  it("rotates keys: old receipts still verify, the chain goes on, the old private key is gone", async () => {
    const dir = copyState();
    const before = JSON.parse(run(["keys", "list", "--json"], dir).stdout).jwks.keys;
    const rot = run(["keys", "rotate", "--json"], dir);
    expect(rot.code).toBe(0);
    const { active, retired } = JSON.parse(rot.stdout);
    expect(retired).toBe(before[0].kid);
    expect(existsSync(join(statePaths(dir).keysDir, `${retired}.pem`))).toBe(false);
    await seed(dir, 2);
    const lines = logLines(dir);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ chain: { seq: 12 }, signature: { kid: active } });
    const v = run(["receipts", "verify"], dir);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(retired);
    expect(v.stdout).toContain(active);
  });

  it("sets and shows config", () => {
    const dir = fresh();
    expect(JSON.parse(run(["config", "show", "--json"], dir).stdout)).toMatchObject({
      version: 1,
      mode: { value: "audit", source: "default" },
      state_dir: { value: dir, source: "env" },
      policy: { source: "default", where: "built-in deny-all" },
    });
    expect(run(["config", "set", "mode", "strict"], dir).code).toBe(0);
    expect(run(["config", "set", "mode", "loud"], dir).code).toBe(2);
    expect(run(["config", "set", "colour", "x"], dir).code).toBe(2);
    expect(run(["config", "set", "state_dir", "elsewhere"], dir).stderr).toMatch(
      /TRANSIENT_TRACE_STATE_DIR is set/,
    );
    const shown = JSON.parse(run(["config", "show", "--json"], dir).stdout);
    expect(shown.mode).toEqual({ value: "strict", source: "config" });
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toEqual({
      version: 1,
      mode: "strict",
      state_dir: join(dir, "elsewhere"),
    });
    expect(
      JSON.parse(
        run(["config", "show", "--json"], dir, { env: { TRANSIENT_TRACE_MODE: "permissive" } }).stdout,
      ).mode,
    ).toEqual({
      value: "permissive",
      source: "env",
    });
    mkdirSync(join(dir, ".atp"));
    writeFileSync(join(dir, ".atp", "policy.json"), JSON.stringify(POLICY));
    expect(JSON.parse(run(["config", "show", "--json"], dir).stdout).policy.source).toBe("project");
  });

  it("checks policies with errors placed by line and column", () => {
    const dir = fresh();
    writeFileSync(join(dir, "good.json"), JSON.stringify(POLICY, null, 2));
    const good = run(["policy", "check", "good.json"], dir);
    expect(good.code).toBe(0);
    expect(good.stdout).toBe("ok: good.json: 2 rule(s), default deny\n");
    const cedar = run(["policy", "check", "good.json", "--cedar"], dir).stdout;
    expect(cedar).toContain(
      '@id("no-delete")\nforbid (principal, action in [Action::"shell_exec", Action::"agent_action"], resource)',
    );
    writeFileSync(
      join(dir, "bad.json"),
      '{\n  "version": 1,\n  "defaultAction": "deny",\n  "rules": [\n    { "id": "r1", "action": "allow", "actionClasses": ["reed"] }\n  ]\n}\n',
    );
    const bad = run(["policy", "check", "bad.json"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'bad.json:5:56: rule "r1": actionClasses[0] is an unknown action class "reed"',
    );
    const j = JSON.parse(run(["policy", "check", "bad.json", "--json"], dir).stdout);
    expect(j).toMatchObject({
      version: 1,
      ok: false,
      errors: [{ pointer: "/rules/0/actionClasses/0", line: 5, column: 56 }],
    });
    writeFileSync(join(dir, "broken.json"), '{"version": 1,,}');
    expect(run(["policy", "check", "broken.json"], dir).stderr).toMatch(/broken.json:1:15: invalid JSON/);
    expect(run(["policy", "check"], dir).code).toBe(2);
    expect(run(["policy", "check", "nope.json"], dir).code).toBe(1);
  });

  it("verifies large logs on several threads and still names the broken receipt", async () => {
    const dir = fresh();
    await seed(dir, 2_400);
    const ok = run(["receipts", "verify", "--jobs", "2"], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 2400 receipts, seq 1-2400/);
    const lines = logLines(dir);
    lines[2000] = lines[2000]!.replace('"resource-2001"', '"resource-9999"');
    writeLines(dir, lines);
    const bad = run(["receipts", "verify", "--jobs", "2"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `first broken link: ${idAt(dir, 2001)} (seq 2001, line 2001): signature does not verify`,
    );
    rmSync(statePaths(dir).log);
    expect(run(["receipts", "verify"], dir).stdout).toMatch(/^ok: no receipts/);
  });
});
