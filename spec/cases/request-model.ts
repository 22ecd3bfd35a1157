import {
  agentActionRequest,
  type CedarRequest,
  commandRequest,
  dataRequest,
  decisionRequest,
  eventToCedarRequest,
  fileWriteRequest,
  httpRequest,
  modelRequest,
  REQUEST_MODEL_SCHEMA,
  toolRequest,
} from "@trusera/core";

type Args = Record<string, unknown>;
const s = (v: unknown) => v as string;
const opt = (v: unknown) => (v === undefined ? undefined : (v as string));

/** Each builder of the request model, called with a case's `args` (JSON names, snake_case). */
export const BUILDERS: Record<string, (a: Args) => CedarRequest | null> = {
  http: (a) =>
    httpRequest(s(a.agent_id), {
      url: s(a.url),
      method: opt(a.method),
      headers: a.headers as Record<string, string> | undefined,
    }),
  tool: (a) => toolRequest(s(a.agent_id), s(a.tool), a.args),
  model: (a) => modelRequest(s(a.agent_id), s(a.model), opt(a.provider)),
  data: (a) => dataRequest(s(a.agent_id), s(a.source), opt(a.operation)),
  file_write: (a) => fileWriteRequest(s(a.agent_id), s(a.path), opt(a.operation)),
  decision: (a) => decisionRequest(s(a.agent_id), s(a.name)),
  command: (a) =>
    commandRequest(s(a.agent_id), {
      binary: s(a.binary),
      args: a.args as string[],
      actionClass: s(a.action_class),
      cwd: s(a.cwd),
      hosts: a.hosts as string[] | undefined,
      host: opt(a.host),
      path: opt(a.path),
    }),
  agent_action: (a) =>
    agentActionRequest(s(a.agent_id), {
      action: s(a.action),
      target: s(a.target),
      actionClass: s(a.action_class),
      host: opt(a.host),
      path: opt(a.path),
    }),
  event: (a) => eventToCedarRequest(a.event as Parameters<typeof eventToCedarRequest>[0]),
};

const A = "agent-1";
const SK = ["sk-", "abcdefghijklmnopqrstuvwx"].join("");

const INPUTS: [string, string, Args][] = [
  ["plain https GET", "http", { agent_id: A, url: "https://api.openai.com/v1/chat/completions" }],
  [
    "POST with headers and query",
    "http",
    {
      agent_id: A,
      url: "https://api.openai.com/v1/chat/completions?api-version=2&key=[REDACTED]",
      method: "post",
      headers: { Authorization: "Bearer x", "Content-Type": "application/json" },
    },
  ],
  ["explicit port", "http", { agent_id: A, url: "http://localhost:8080/health", method: "GET" }],
  ["default http port", "http", { agent_id: A, url: "http://example.com" }],
  ["upper-case host and scheme", "http", { agent_id: A, url: "HTTPS://API.Example.COM/A/B" }],
  ["dot segments", "http", { agent_id: A, url: "https://example.com/a/../b/./c" }],
  ["ipv6 host", "http", { agent_id: A, url: "http://[::1]:9000/x?y=1" }],
  ["explicit default port dropped", "http", { agent_id: A, url: "https://example.com:443/x" }],
  ["wss scheme", "http", { agent_id: A, url: "wss://stream.example.com/socket" }],
  ["ftp scheme has port 0", "http", { agent_id: A, url: "ftp://files.example.com/x" }],
  ["empty agent id becomes unknown", "http", { agent_id: "", url: "https://example.com/" }],
  ["fragment kept in url, not in query", "http", { agent_id: A, url: "https://example.com/p?q=1#frag" }],
  ["path with encoded characters", "http", { agent_id: A, url: "https://example.com/a b/ü?x=a b" }],
  [
    "tool with arguments",
    "tool",
    { agent_id: A, tool: "read_file", args: { path: "/etc/passwd", limit: 10 } },
  ],
  [
    "tool with nested and secret arguments",
    "tool",
    { agent_id: A, tool: "http", args: { opts: { a: [1, "b"] }, key: SK, flag: true, none: null } },
  ],
  ["tool without arguments", "tool", { agent_id: A, tool: "now" }],
  [
    "tool arguments with secrets in free text, URLs and nested names",
    "tool",
    {
      agent_id: A,
      tool: "shell",
      args: {
        cmd: "export OPENAI_API_KEY=abc123def && curl https://u:pw@x.test/?token=t",
        config: { db: { password: "hunter2" } },
      },
    },
  ],
  ["tool with array input", "tool", { agent_id: A, tool: "sum", args: [1, 2, 3] }],
  ["tool with string input", "tool", { agent_id: A, tool: "echo", args: `say ${SK}` }],
  ["model with provider", "model", { agent_id: A, model: "gpt-4o", provider: "openai" }],
  ["model without provider", "model", { agent_id: A, model: "claude-3" }],
  ["data read by default", "data", { agent_id: A, source: "customers" }],
  ["data delete", "data", { agent_id: A, source: "customers", operation: "delete" }],
  ["file write", "file_write", { agent_id: A, path: "/etc/hosts" }],
  ["file at root", "file_write", { agent_id: A, path: "/x.TXT", operation: "edit" }],
  ["relative file without extension", "file_write", { agent_id: A, path: "Makefile", operation: "delete" }],
  ["dot file", "file_write", { agent_id: A, path: "/home/u/.bashrc" }],
  ["decision step", "decision", { agent_id: A, name: "choose_tool" }],
  [
    "command with hosts",
    "command",
    {
      agent_id: A,
      binary: "/usr/bin/curl",
      args: ["-H", "Authorization: Bearer abcdefgh12345", "https://example.com"],
      action_class: "network",
      cwd: "/tmp",
      hosts: ["example.com"],
      host: "example.com",
    },
  ],
  ["command minimal", "command", { agent_id: A, binary: "ls", args: [], action_class: "read", cwd: "/" }],
  [
    "command with path",
    "command",
    { agent_id: A, binary: "rm", args: ["-rf", "/tmp/x"], action_class: "delete", cwd: "/", path: "/tmp/x" },
  ],
  [
    "agent action",
    "agent_action",
    {
      agent_id: A,
      action: "web.fetch",
      target: "https://example.com/",
      action_class: "network",
      host: "example.com",
    },
  ],
  [
    "agent action with a secret target",
    "agent_action",
    { agent_id: A, action: "execute", target: `call with ${SK}`, action_class: "execute" },
  ],
  [
    "event api_call",
    "event",
    {
      event: {
        type: "api_call",
        name: "POST https://api.example.com/v1",
        agent_id: A,
        payload: {
          url: "https://api.example.com/v1",
          method: "POST",
          request_headers: { "content-type": "x" },
        },
        metadata: {},
      },
    },
  ],
  [
    "event api_call from name only",
    "event",
    { event: { type: "api_call", name: "DELETE https://api.example.com/x", payload: {}, metadata: {} } },
  ],
  [
    "event api_call with a bad url",
    "event",
    { event: { type: "api_call", name: "GET nope", payload: {}, metadata: {} } },
  ],
  [
    "event tool_call",
    "event",
    {
      event: { type: "tool_call", name: "search", payload: { input: { q: "x" } }, metadata: {}, agent_id: A },
    },
  ],
  [
    "event llm_invoke",
    "event",
    { event: { type: "llm_invoke", name: "gpt-4", payload: {}, metadata: { provider: "openai" } } },
  ],
  [
    "event data_access",
    "event",
    { event: { type: "data_access", name: "db", payload: { operation: "write" }, metadata: {} } },
  ],
  [
    "event file_write",
    "event",
    { event: { type: "file_write", name: "/tmp/a.txt", payload: {}, metadata: {} } },
  ],
  ["event decision", "event", { event: { type: "decision", name: "plan", payload: {}, metadata: {} } }],
  [
    "event policy_violation has no request",
    "event",
    { event: { type: "policy_violation", name: "x", payload: {}, metadata: {} } },
  ],
];

export function buildRequestModel() {
  return {
    description:
      "The Cedar request each builder of the request model makes (docs/policy-model.md). `expected` null: no request.",
    schema: REQUEST_MODEL_SCHEMA,
    cases: INPUTS.map(([name, builder, args]) => ({
      name,
      builder,
      args,
      expected: BUILDERS[builder]!(args),
    })),
  };
}
