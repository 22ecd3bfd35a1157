import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { downlevelForPythonV1 } from "../src/dialects/python-v1-rules.js";
import { pythonV1 } from "./python-v1-venv.js";

const SET = `
@id("host") forbid (principal, action == Action::"api_call", resource == Host::"evil.example");
@id("suffix") forbid (principal, action == Action::"api_call", resource) when { resource.hostname like "*.paste.example" };
@id("either") forbid (principal, action == Action::"api_call", resource)
  when { context.method == "DELETE" || context.path like "/admin*" };
@id("not-get") forbid (principal, action == Action::"api_call", resource) unless { context.method == "GET" || context.method == "HEAD" };
@id("plain-http") forbid (principal, action == Action::"api_call", resource) when { !(context.scheme != "http") };
@id("tool") forbid (principal, action == Action::"tool_call", resource == Tool::"delete_file");
@id("model") forbid (principal, action == Action::"llm_invoke", resource == Model::"gpt-4");
@id("and") forbid (principal, action == Action::"api_call", resource) when { context.method == "POST" && context.path == "/x" };
@id("middle") forbid (principal, action == Action::"api_call", resource) when { context.path like "/a*b" };
@id("url") forbid (principal, action == Action::"api_call", resource) when { context.url like "https://x.example/*" };
@id("not-post") forbid (principal, action == Action::"api_call", resource) when { context.method != "POST" };
@id("port") forbid (principal, action == Action::"api_call", resource) when { context.port == 8080 };
@id("files") forbid (principal, action == Action::"file_write", resource);
@id("ok") permit (principal, action, resource);
`;

describe("down-levelling Cedar for the Python SDK 1.x parser", () => {
  it("expresses what it can and leaves out the rest, each with a reason", async () => {
    const { rules, leftOut } = await downlevelForPythonV1(SET, "allow");
    expect(
      Object.fromEntries(
        rules.map((r) => [
          r.id,
          r.cedar_dsl.replace(/^.*when \{ (.*) \|\| request\.trusera_policy_id == "[^"]+" \};$/, "$1"),
        ]),
      ),
    ).toEqual({
      host: 'request.hostname == "evil.example"',
      suffix: 'request.hostname endswith ".paste.example"',
      either: 'request.method == "DELETE" || request.path startswith "/admin"',
      "plain-http": 'request.scheme == "http"',
      tool: 'request.url endswith "/tool_call/delete_file" || request.url endswith "/function_call/delete_file"',
      model: 'request.url endswith "/llm_call/gpt-4"',
    });
    expect(leftOut.map((l) => l.id).sort()).toEqual([
      "and",
      "files",
      "middle",
      "not-get",
      "not-post",
      "port",
      "url",
    ]);
    expect(leftOut.find((l) => l.id === "not-post")?.reason).toContain("negative condition");
    expect(leftOut.find((l) => l.id === "url")?.reason).toContain("`//`");
    const deny = await downlevelForPythonV1(SET, "deny");
    expect(deny.leftOut.at(-1)?.id).toBe("(default decision)");
  });

  // The real parser and evaluator of trusera-sdk 1.2.0, when python-sdk-v1.test.ts has installed it
  // (which fails loudly when it cannot).
  const venv = pythonV1({ install: false });
  it.skipIf("error" in venv)("reads the rules as meant, with the client's own parser", async () => {
    const { rules } = await downlevelForPythonV1(SET, "allow");
    const script = `
import json, sys
from trusera_sdk.cedar import CedarEvaluator
ev = CedarEvaluator.from_text("\\n".join(json.loads(sys.argv[1])))
cases = json.loads(sys.argv[2])
print(json.dumps([ev.evaluate(u, m).decision.value for u, m in cases]))`;
    const cases = [
      ["https://evil.example/a", "GET"],
      ["https://fine.example/a", "GET"],
      ["https://a.paste.example/raw", "GET"],
      ["https://fine.example/admin/users", "GET"],
      ["https://fine.example/x", "DELETE"],
      ["http://fine.example/x", "GET"],
      ["action://tool_call/delete_file", "TOOL_CALL"],
      ["action://function_call/delete_file", "FUNCTION_CALL"],
      ["action://tool_call/search", "TOOL_CALL"],
      ["action://llm_call/gpt-4", "LLM_CALL"],
      ["action://llm_call/gpt-4o", "LLM_CALL"],
    ];
    const out = execFileSync(
      (venv as { python: string }).python,
      ["-c", script, JSON.stringify(rules.map((r) => r.cedar_dsl)), JSON.stringify(cases)],
      { encoding: "utf8" },
    );
    expect(JSON.parse(out)).toEqual([
      "deny",
      "allow",
      "deny",
      "deny",
      "deny",
      "deny",
      "deny",
      "deny",
      "allow",
      "deny",
      "allow",
    ]);
  });
});
