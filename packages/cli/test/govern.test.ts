import { homedir } from "node:os";
import { Governor, ReceiptWriter } from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { parseRunArgs } from "../src/cli/commands/run/args.js";
import { mcpToolClass, toolCallRequest } from "../src/govern/claude-tools.js";
import { Decider } from "../src/govern/decider.js";
import {
  type DecisionRequest,
  encodeAnswer,
  encodeRequest,
  parseAnswer,
  parseRequest,
} from "../src/govern/protocol.js";
import { withSessionEnv } from "../src/guard/node/config.js";
import { E2E_POLICY } from "./run-helpers.js";

const dirs: { remove(): void }[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});

describe("the daemon's wire format", () => {
  it("round-trips every kind, byte-split anywhere", () => {
    const reqs: DecisionRequest[] = [
      {
        kind: "exec",
        channel: "shell",
        cwd: "/w d",
        binary: "/usr/bin/git",
        args: ["commit", "-m", "a\nb ü", ""],
      },
      { kind: "shell", channel: "node", cwd: "/", command: "rm x && ls", skip: ["rm"] },
      {
        kind: "action",
        channel: "claude-hook",
        cwd: "/",
        action: { action: "file.write", target: "/x", actionClass: "write_low", paths: ["/x"] },
      },
    ];
    for (const req of reqs) {
      const buf = encodeRequest("tok", req);
      for (let cut = 0; cut < buf.length; cut++)
        expect(parseRequest(buf.subarray(0, cut)).state).toBe("incomplete");
      const done = parseRequest(buf);
      expect(done).toEqual({ state: "done", token: "tok", request: req });
    }
    expect(parseRequest(Buffer.from("XX1\0")).state).toBe("error");
    expect(parseRequest(Buffer.from("TT1\0t\0nope\0exec\0/\x001\0x\0"))).toMatchObject({ state: "error" });
    const a = { verdict: "block" as const, message: "line\nbreak", receipts: ["TR-1", "TR-2"] };
    expect(parseAnswer(encodeAnswer(a))).toEqual({ ...a, message: "line break" });
    expect(parseAnswer("allow\n")).toBeUndefined();
  });
});

describe("Decider", () => {
  it("decides a shell string command by command, following cd, skipping builtins and shimmed names", async () => {
    const d = tempDir("tt-decider-");
    dirs.push(d);
    const governor = await Governor.create({ policy: E2E_POLICY as never, mode: "strict", home: homedir() });
    const decider = new Decider(governor, new ReceiptWriter(d.path), {
      agentId: "a",
      correlation: "c",
      policyWhere: "p.json",
      home: "/home/u",
    });
    const plan = decider.plan({
      kind: "shell",
      channel: "node",
      cwd: "/w",
      command: "export X=1; cd sub && git status > out.txt; bash -c 'curl x.io' ; eval 'rm -f ../y'",
      skip: ["git"],
    });
    expect(plan.map((p) => p.text)).toEqual(["curl x.io", "rm -f ../y", "> out.txt"]);
    expect(plan[1]!.action).toMatchObject({ kind: "command", cwd: "/w/sub" });
    expect(plan[2]!.action).toMatchObject({ kind: "action", action: "file.write", paths: ["/w/out.txt"] });
    const answer = decider.decide({
      kind: "exec",
      channel: "shell",
      cwd: "/w",
      binary: "/bin/sh",
      args: ["-c", "ls; rm a"],
    });
    expect(answer.verdict).toBe("block");
    expect(answer.receipts).toHaveLength(2);
    expect(answer.message).toMatch(
      /^transient-trace: blocked "rm a" \(delete\) by rule "no-delete" \[strict, policy p\.json\]/,
    );
    await decider.writer.close();
  });
});

describe("Claude Code tool calls", () => {
  it("map to requests", () => {
    expect(toolCallRequest({ tool_name: "Bash", tool_input: { command: "ls" }, cwd: "/p" }, "/")).toEqual({
      kind: "shell",
      channel: "claude-hook",
      cwd: "/p",
      command: "ls",
    });
    expect(
      toolCallRequest({ tool_name: "WebFetch", tool_input: { url: "https://Docs.Example.com/a" } }, "/"),
    ).toMatchObject({
      action: { action: "web.fetch", actionClass: "network", hosts: ["docs.example.com"] },
    });
    expect(
      toolCallRequest(
        {
          tool_name: "mcp__gh__create_issue",
          tool_input: { repo: "https://github.com/a/b", n: [{ f: "/etc/x" }] },
        },
        "/",
      ),
    ).toMatchObject({
      action: {
        action: "mcp.gh.create_issue",
        actionClass: "write_low",
        hosts: ["github.com"],
        paths: ["/etc/x"],
      },
    });
    expect(toolCallRequest({ tool_name: "Task", tool_input: {} }, "/")).toMatchObject({
      action: { action: "tool.Task", actionClass: "exec" },
    });
    expect(toolCallRequest({ tool_input: {} }, "/")).toBeUndefined();
  });

  it.each([
    ["list_issues", "read"],
    ["get_file_contents", "read"],
    ["delete_branch", "delete"],
    ["push_files", "write_high"],
    ["create_pull_request", "write_low"],
    ["browser_navigate", "exec"],
  ])("MCP tool %s is %s", (tool, cls) => {
    expect(mcpToolClass(tool)).toBe(cls);
  });
});

describe("run's arguments and the session environment", () => {
  it("stops at the command: its flags are never run's", () => {
    expect(
      parseRunArgs(["--mode", "strict", "--packages=terraform,aws", "git", "push", "--mode", "x"]),
    ).toMatchObject({
      mode: "strict",
      packages: ["terraform", "aws"],
      command: ["git", "push", "--mode", "x"],
    });
    expect(parseRunArgs(["--", "--weird"]).command).toEqual(["--weird"]);
    expect(() => parseRunArgs(["--nope", "x"])).toThrow(/unknown option/);
    expect(() => parseRunArgs(["--packages", "a b"])).toThrow(/program names/);
  });

  it("prepends the session once and keeps the rest", () => {
    const c = { session: "/s", binDir: "/s/bin", preload: '/s/my "node"/p.cjs', pythonDir: "/s/py" };
    const once = withSessionEnv(
      { PATH: "/usr/bin", NODE_OPTIONS: "--max-old-space-size=99", PYTHONPATH: "/lib" },
      c,
    );
    expect(once).toEqual({
      PATH: "/s/bin:/usr/bin",
      NODE_OPTIONS: '--require "/s/my \\"node\\"/p.cjs" --max-old-space-size=99',
      PYTHONPATH: "/s/py:/lib",
      TRANSIENT_TRACE_SESSION: "/s",
    });
    expect(withSessionEnv(once, c)).toEqual(once);
  });
});
