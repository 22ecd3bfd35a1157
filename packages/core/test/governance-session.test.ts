import {
  GovernanceSession,
  Governor,
  KeyStore,
  ReceiptWriter,
  readReceiptLog,
  statePaths,
  verifyLogText,
} from "@trusera/core";
import { tempDir } from "@trusera/testing";
import { afterEach, describe, expect, it } from "vitest";

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

describe("GovernanceSession (the decide-then-seal protocol shared by the SDK and run/shims)", () => {
  it("seals shell commands, blocked or run, with redacted command lines", async () => {
    const dir = tempDir("tt-session-");
    dirs.push(dir);
    const governor = await Governor.create({
      policy: {
        version: 1,
        defaultAction: "deny",
        rules: [
          { id: "reads", action: "allow", actionClasses: ["read", "network"] },
          { id: "no-rm-rf", action: "deny", commands: ["rm -rf *"] },
        ],
      },
      mode: "strict",
    });
    const session = new GovernanceSession(governor, new ReceiptWriter(dir.path), {
      agentId: "claude",
      connector: "transient-trace/shell",
    });
    const rm = { kind: "command" as const, binary: "/bin/rm", args: ["-rf", "build"], cwd: "/w" };
    const d1 = session.decide(rm);
    expect(d1).toMatchObject({
      outcome: "deny",
      block: true,
      reasonCode: "rule:no-rm-rf",
      actionClass: "delete",
    });
    const blocked = session.seal(rm, d1, "blocked");
    expect(blocked).toMatchObject({
      execution_status: "blocked",
      intent: {
        action: "shell_exec",
        connector: "transient-trace/shell",
        target: { command: "rm -rf build", binary: "/bin/rm" },
        context: { cwd: "/w", paths: ["/w/build"], classified_by: "rm" },
      },
      decision: { outcome: "deny", enforced: true, rule_ids: ["no-rm-rf"] },
    });
    const curl = {
      kind: "command" as const,
      binary: "curl",
      args: ["-H", "Authorization: Bearer abcdefghijklmnopqrstu", "https://example.com"],
      cwd: "/w",
    };
    const d2 = session.decide(curl);
    expect(d2.block).toBe(false);
    const ran = session.seal(curl, d2, "executed");
    expect(JSON.stringify(ran)).not.toContain("abcdefghijklmnopqrstu");
    expect(ran.correlation_id).toMatch(/^shell-\d+-[0-9a-f]{8}:2$/);
    const paths = statePaths(dir.path);
    const { text, head } = readReceiptLog(paths);
    expect(verifyLogText(text, new KeyStore(paths).lookup(), { text: head })).toMatchObject({
      ok: true,
      receipts: 2,
    });
  });
});
