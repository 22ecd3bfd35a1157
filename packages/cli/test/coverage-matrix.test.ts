import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SealedReceipt } from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_DIR, cli, E2E_POLICY, loopbackServer, python3, receiptsIn } from "./run-helpers.js";

// The matrix in docs/coverage.md, checked against reality: a fake agent (bash, Node, Python) tries a
// forbidden action through every channel, in strict and in audit mode, under `transient-trace run`;
// the Claude Code rows call the hook exactly as Claude Code does.

interface Row {
  id: string;
  channel: string;
  seen: boolean;
  blockable: boolean;
}

const DOC = fileURLToPath(new URL("../../../docs/coverage.md", import.meta.url));

function matrix(): Row[] {
  const text = readFileSync(DOC, "utf8");
  const start = text.indexOf("<!-- transient-trace matrix:start -->");
  const end = text.indexOf("<!-- transient-trace matrix:end -->");
  if (start < 0 || end < start) throw new Error("docs/coverage.md: matrix markers not found");
  const rows: Row[] = [];
  for (const line of text.slice(start, end).split("\n")) {
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    const id = /^`([a-z0-9-]+)`$/.exec(cells[1] ?? "")?.[1];
    if (!id) continue;
    const yn = (c: string | undefined) => {
      if (c !== "yes" && c !== "no") throw new Error(`docs/coverage.md row ${id}: "${c}" is not yes or no`);
      return c === "yes";
    };
    rows.push({ id, channel: cells[0]!, seen: yn(cells[2]), blockable: yn(cells[3]) });
  }
  return rows;
}

const NETWORK_ROWS = new Set([
  "shell-curl",
  "shell-devtcp",
  "node-fetch",
  "node-http-request",
  "node-net-raw",
]);
const isClaude = (id: string) => id.startsWith("claude-");

interface Observed {
  seen: boolean;
  blocked: boolean;
  receipts: SealedReceipt[];
}

interface ModeRun {
  observed: Map<string, Observed>;
  steps: Set<string>;
  verify: { code: number | null; stdout: string };
  exitCode: number | null;
}

const rows = matrix();
const dirs: { remove(): void }[] = [];
const runs = new Map<"strict" | "audit", ModeRun>();

async function claudeCall(id: string, victims: string, port: number): Promise<Record<string, unknown>> {
  const file = join(victims, `victim-${id}.txt`);
  const inputs: Record<string, { tool_name: string; tool_input: Record<string, unknown> }> = {
    "claude-bash-abs": { tool_name: "Bash", tool_input: { command: `cd ${victims} && /bin/rm ${file}` } },
    "claude-write": { tool_name: "Write", tool_input: { file_path: file, content: "x" } },
    "claude-edit": { tool_name: "Edit", tool_input: { file_path: file, old_string: "a", new_string: "b" } },
    "claude-multiedit": {
      tool_name: "MultiEdit",
      tool_input: { file_path: file, edits: [{ old_string: "a", new_string: "b" }] },
    },
    "claude-webfetch": {
      tool_name: "WebFetch",
      tool_input: { url: `http://127.0.0.1:${port}/victim-${id}.txt`, prompt: "read it" },
    },
    "claude-mcp": { tool_name: "mcp__files__delete_file", tool_input: { path: file } },
  };
  const call = inputs[id];
  if (!call) throw new Error(`no Claude Code call for row ${id}`);
  return {
    session_id: "test-session",
    transcript_path: "/tmp/t.jsonl",
    cwd: victims,
    hook_event_name: "PreToolUse",
    ...call,
  };
}

async function runMode(mode: "strict" | "audit"): Promise<ModeRun> {
  const dir = tempDir(`tt-matrix-${mode}-`);
  dirs.push(dir);
  const state = join(dir.path, "state");
  const victims = join(dir.path, "victims");
  mkdirSync(victims);
  const policy = join(dir.path, "policy.json");
  writeFileSync(policy, JSON.stringify(E2E_POLICY));
  for (const r of rows)
    if (!NETWORK_ROWS.has(r.id)) writeFileSync(join(victims, `victim-${r.id}.txt`), "precious\n");
  const server = await loopbackServer();
  try {
    const env = {
      TRANSIENT_TRACE_STATE_DIR: state,
      VICTIMS: victims,
      AGENT_PORT: String(server.port),
      PYTHON: python3(),
      HERE: AGENT_DIR,
    };
    const r = await cli(
      ["run", "--mode", mode, "--policy", policy, "--guard-http", "--", join(AGENT_DIR, "agent.sh")],
      {
        env,
        cwd: dir.path,
      },
    );
    const steps = new Set([...r.stderr.matchAll(/^step ([a-z0-9-]+)$/gm)].map((m) => m[1]!));
    const answers = new Map<string, Record<string, unknown>>();
    for (const row of rows.filter((x) => isClaude(x.id))) {
      steps.add(row.id);
      const h = await cli(["hook", "claude"], {
        env: { TRANSIENT_TRACE_STATE_DIR: state, TRANSIENT_TRACE_MODE: mode, ATP_POLICY_PATH: policy },
        input: JSON.stringify(await claudeCall(row.id, victims, server.port)),
      });
      expect(h.code, h.stderr).toBe(0);
      answers.set(row.id, JSON.parse(h.stdout));
    }
    const receipts = receiptsIn(state);
    const observed = new Map<string, Observed>();
    for (const row of rows) {
      const needle = `victim-${row.id}.txt`;
      const mine = receipts.filter((x) => JSON.stringify(x).includes(needle));
      let blocked: boolean;
      if (isClaude(row.id)) {
        const out = answers.get(row.id) as { hookSpecificOutput?: { permissionDecision?: string } };
        blocked = out.hookSpecificOutput?.permissionDecision === "deny";
      } else if (NETWORK_ROWS.has(row.id)) {
        blocked = !server.paths.includes(`/${needle}`);
      } else {
        blocked = existsSync(join(victims, needle));
      }
      observed.set(row.id, { seen: mine.length > 0, blocked, receipts: mine });
    }
    const verify = await cli(["receipts", "verify", "--json"], { env: { TRANSIENT_TRACE_STATE_DIR: state } });
    return { observed, steps, verify, exitCode: r.code };
  } finally {
    await server.close();
  }
}

beforeAll(async () => {
  const [strict, audit] = await Promise.all([runMode("strict"), runMode("audit")]);
  runs.set("strict", strict);
  runs.set("audit", audit);
}, 120_000);

afterAll(() => {
  for (const d of dirs) d.remove();
});

describe("docs/coverage.md matrix against a fake agent under transient-trace run", () => {
  it("has one agent step for every row and one row for every step", () => {
    expect(rows.length).toBeGreaterThan(20);
    const steps = runs.get("strict")!.steps;
    expect([...steps].sort()).toEqual(rows.map((r) => r.id).sort());
    expect(runs.get("strict")!.exitCode).toBe(0);
  });

  describe.each(rows)("row $id ($channel)", (row) => {
    it(`strict: seen ${row.seen ? "yes" : "no"}, blocked ${row.blockable ? "yes" : "no"}`, () => {
      const o = runs.get("strict")!.observed.get(row.id)!;
      expect({ seen: o.seen, blocked: o.blocked }).toEqual({ seen: row.seen, blocked: row.blockable });
      if (row.seen) {
        expect(o.receipts.some((r) => r.decision.outcome === "deny")).toBe(true);
        if (row.blockable && !isClaude(row.id))
          expect(o.receipts.some((r) => r.execution_status === "blocked" && r.decision.enforced)).toBe(true);
      }
    });

    it(`audit: seen ${row.seen ? "yes" : "no"}, never blocked, denies recorded as not enforced`, () => {
      const o = runs.get("audit")!.observed.get(row.id)!;
      expect({ seen: o.seen, blocked: o.blocked }).toEqual({ seen: row.seen, blocked: false });
      for (const r of o.receipts) {
        expect(r.decision.mode).toBe("audit");
        expect(r.decision.enforced).toBe(false);
        expect(r.execution_status).toBe("executed");
      }
      if (row.seen) expect(o.receipts.some((r) => r.decision.outcome === "deny")).toBe(true);
    });
  });

  it("sealed every decision in a signed, chained log that verifies", () => {
    for (const mode of ["strict", "audit"] as const) {
      const v = runs.get(mode)!.verify;
      expect(v.code, v.stdout).toBe(0);
      const { report } = JSON.parse(v.stdout);
      expect(report.ok).toBe(true);
      expect(report.receipts).toBeGreaterThan(25);
    }
  });
});
