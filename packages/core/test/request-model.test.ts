import {
  commandRequest,
  compilePolicySet,
  dataRequest,
  decisionRequest,
  fileWriteRequest,
  httpRequest,
  modelRequest,
  REDACTED,
  REQUEST_MODEL_SCHEMA,
  toolRequest,
} from "@trusera/core";
import { describe, expect, it } from "vitest";

async function compile(text: string, defaultDecision: "allow" | "deny" = "allow") {
  const result = await compilePolicySet(text, { schema: REQUEST_MODEL_SCHEMA, defaultDecision });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("\n"));
  return result.policySet;
}

describe("request model", () => {
  it("builds an HTTP request policies can match on every documented attribute", async () => {
    const set = await compile(`
@id("no-admin-posts")
forbid (principal, action == Action::"api_call", resource == Host::"api.example.com")
when {
  context.method == "POST" && context.path like "/admin/*" && context.scheme == "https" &&
  context.port == 8443 && context.headers.contains("authorization") && context.query like "*debug=1*" &&
  resource.hostname == "api.example.com" && principal == Agent::"a1"
};`);
    const req = httpRequest("a1", {
      url: "https://API.example.com:8443/admin/x?debug=1",
      method: "post",
      headers: { Authorization: "Bearer secret-value", Accept: "*/*" },
    });
    expect(req.context.headers).toEqual(["accept", "authorization"]);
    expect(JSON.stringify(req)).not.toContain("secret-value");
    expect(set.evaluate(req)).toMatchObject({ decision: "deny", policyIds: ["no-admin-posts"] });
    expect(
      set.evaluate(httpRequest("a1", { url: "https://api.example.com:8443/admin/x?debug=1" })).decision,
    ).toBe("allow");
  });

  it("gives tool arguments as tags, redacted", async () => {
    const set = await compile(`
@id("no-etc")
forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };`);
    expect(set.evaluate(toolRequest("a", "read_file", { path: "/etc/shadow" })).decision).toBe("deny");
    expect(set.evaluate(toolRequest("a", "read_file", { path: "/tmp/x" })).decision).toBe("allow");
    expect(set.evaluate(toolRequest("a", "read_file", {})).decision).toBe("allow");
    const withSecret = toolRequest("a", "t", { key: "sk-ant-abcdefghijklmnopqrstuvwxyz" });
    expect(withSecret.context.input).toContain(REDACTED);
  });

  it("covers models, data, files, decisions and commands", async () => {
    const set = await compile(`
@id("m") forbid (principal, action == Action::"llm_invoke", resource) when { resource.name like "gpt-3*" && context.provider == "openai" };
@id("d") forbid (principal, action == Action::"data_access", resource == DataSource::"users") when { context.operation == "delete" };
@id("f") forbid (principal, action == Action::"file_write", resource) when { resource.directory like "/etc*" || resource.extension == "pem" };
@id("s") forbid (principal, action == Action::"decision", resource) when { resource.name == "self_destruct" };
@id("c") forbid (principal, action == Action::"shell_exec", resource == Command::"rm") when { context.action_class == "delete" && context.args.contains("-rf") };
@id("n") forbid (principal, action == Action::"shell_exec", resource) when { context.hosts.contains("evil.test") };`);
    expect(set.evaluate(modelRequest("a", "gpt-3.5-turbo", "openai")).policyIds).toEqual(["m"]);
    expect(set.evaluate(modelRequest("a", "gpt-4o", "openai")).decision).toBe("allow");
    expect(set.evaluate(dataRequest("a", "users", "delete")).policyIds).toEqual(["d"]);
    expect(set.evaluate(fileWriteRequest("a", "/etc/hosts")).policyIds).toEqual(["f"]);
    expect(set.evaluate(fileWriteRequest("a", "/home/u/key.PEM")).policyIds).toEqual(["f"]);
    expect(set.evaluate(fileWriteRequest("a", "/home/u/notes.md")).decision).toBe("allow");
    expect(set.evaluate(decisionRequest("a", "self_destruct")).policyIds).toEqual(["s"]);
    const rm = commandRequest("a", {
      binary: "/bin/rm",
      args: ["-rf", "/tmp/x"],
      actionClass: "delete",
      cwd: "/",
    });
    expect(rm.context.command).toBe("rm -rf /tmp/x");
    expect(set.evaluate(rm).policyIds).toEqual(["c"]);
    const curl = commandRequest("a", {
      binary: "curl",
      args: ["https://evil.test/x"],
      actionClass: "network",
      cwd: "/",
      hosts: ["evil.test"],
    });
    expect(set.evaluate(curl).policyIds).toEqual(["n"]);
  });

  it("turns a typo into a load-time error", async () => {
    await expect(
      compile(`forbid (principal, action == Action::"api_call", resource) when { resource.hostnme == "x" };`),
    ).rejects.toThrow(/hostnme/);
  });
});
