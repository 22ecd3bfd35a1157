import {
  type CedarRequest,
  compilePolicySet,
  DEFAULT_ALLOW_POLICY_ID,
  httpRequest,
  REQUEST_MODEL_SCHEMA,
  toolRequest,
} from "@trusera/core";

interface Input {
  name: string;
  policies: string;
  /** Validate the policies against the request model's schema (docs/policy-model.md). */
  schema: boolean;
  default_decision: "allow" | "deny";
  requests: CedarRequest[];
}

const get = (url: string, headers?: Record<string, string>) => httpRequest("agent-1", { url, headers });
const post = (url: string) => httpRequest("agent-1", { url, method: "POST" });
const tool = (name: string, args: unknown) => toolRequest("agent-1", name, args);
const raw = (context: Record<string, unknown>, principalParents: { type: string; id: string }[] = []) => ({
  principal: { type: "User", id: "alice" },
  action: { type: "Action", id: "read" },
  resource: { type: "Doc", id: "d1" },
  context,
  entities: [
    { uid: { type: "User", id: "alice" }, attrs: { name: "Alice", level: 3 }, parents: principalParents },
    { uid: { type: "Group", id: "admins" }, attrs: {}, parents: [] },
    {
      uid: { type: "Doc", id: "d1" },
      attrs: { owner: { __entity: { type: "User", id: "alice" } } },
      parents: [],
    },
  ],
});

const INPUTS: Input[] = [
  {
    name: "&& needs both sides",
    policies: `@id("no-post-to-example")
forbid (principal, action == Action::"api_call", resource)
when { context.method == "POST" && resource.hostname == "api.example.com" };`,
    schema: true,
    default_decision: "allow",
    requests: [
      post("https://api.example.com/x"),
      get("https://api.example.com/x"),
      post("https://other.example.com/"),
    ],
  },
  {
    name: "|| needs either side",
    policies: `@id("two-hosts")
permit (principal, action == Action::"api_call", resource)
when { resource.hostname == "a.example.com" || resource.hostname == "b.example.com" };`,
    schema: true,
    default_decision: "deny",
    requests: [get("https://a.example.com/"), get("https://b.example.com/"), get("https://c.example.com/")],
  },
  {
    name: "unless inverts the condition",
    policies: `@id("https-only")
forbid (principal, action == Action::"api_call", resource) unless { context.scheme == "https" };`,
    schema: true,
    default_decision: "allow",
    requests: [get("https://example.com/"), get("http://example.com/")],
  },
  {
    name: "like with * wildcards",
    policies: `@id("no-evil")
forbid (principal, action == Action::"api_call", resource) when { resource.hostname like "*.evil.com" };
@id("no-admin-paths")
forbid (principal, action == Action::"api_call", resource) when { context.path like "/admin/*/delete*" };`,
    schema: true,
    default_decision: "allow",
    requests: [
      get("https://x.evil.com/"),
      get("https://evil.com/"),
      get("https://a.b.evil.com/"),
      get("https://good.com/admin/users/delete-all"),
      get("https://good.com/admin/delete"),
    ],
  },
  {
    name: "like with an escaped \\* matches a literal star only",
    policies: `@id("literal-star")
permit (principal, action == Action::"tool_call", resource)
when { resource.hasTag("pattern") && resource.getTag("pattern") like "a\\*b*" };`,
    schema: true,
    default_decision: "deny",
    requests: [
      tool("t", { pattern: "a*b" }),
      tool("t", { pattern: "a*bcd" }),
      tool("t", { pattern: "axb" }),
      tool("t", {}),
    ],
  },
  {
    name: "hasTag and getTag on tool arguments",
    policies: `@id("no-etc")
forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };`,
    schema: true,
    default_decision: "allow",
    requests: [
      tool("read_file", { path: "/etc/passwd" }),
      tool("read_file", { path: "/home/a" }),
      tool("read_file", {}),
    ],
  },
  {
    name: "has on an optional context attribute (no schema)",
    policies: `@id("flagged")
forbid (principal, action, resource) when { context has flag && context.flag == "yes" };`,
    schema: false,
    default_decision: "allow",
    requests: [raw({ flag: "yes" }), raw({ flag: "no" }), raw({})],
  },
  {
    name: "strings holding // and quotes are not comments",
    policies: `// A comment with "quotes" and a // inside it.
@id("plain-http")
forbid (principal, action == Action::"api_call", resource) when { context.url like "http://*" }; // trailing
@id("quoted-tool")
forbid (principal, action == Action::"tool_call", resource)
when { resource.name == "say \\"hi\\" // not a comment" };`,
    schema: true,
    default_decision: "allow",
    requests: [
      get("http://example.com/"),
      get("https://example.com/http://x"),
      tool('say "hi" // not a comment', {}),
      tool("say hi", {}),
    ],
  },
  {
    name: "forbid overrides permit",
    policies: `@id("allow-all")
permit (principal, action, resource);
@id("no-delete")
forbid (principal, action == Action::"api_call", resource) when { context.method == "DELETE" };`,
    schema: true,
    default_decision: "deny",
    requests: [
      get("https://example.com/"),
      httpRequest("agent-1", { url: "https://example.com/", method: "DELETE" }),
    ],
  },
  {
    name: "default allow with no policies",
    policies: "",
    schema: true,
    default_decision: "allow",
    requests: [get("https://example.com/")],
  },
  {
    name: "default deny with no policies",
    policies: "",
    schema: true,
    default_decision: "deny",
    requests: [get("https://example.com/")],
  },
  {
    name: "unannotated policies are named policy<N> by position",
    policies: `@id("first")
permit (principal, action == Action::"api_call", resource) when { context.port == 443 };
permit (principal, action == Action::"api_call", resource) when { context.method == "GET" };
forbid (principal, action == Action::"api_call", resource) when { context.port == 8443 };`,
    schema: true,
    default_decision: "deny",
    requests: [get("https://example.com/"), post("https://example.com/"), get("https://example.com:8443/")],
  },
  {
    name: "headers set, numbers and contains",
    policies: `@id("creds-to-unknown")
forbid (principal, action == Action::"api_call", resource)
when { context.headers.contains("authorization") && !(resource.hostname like "*.openai.com") };
@id("high-ports")
forbid (principal, action == Action::"api_call", resource) when { context.port > 9000 };`,
    schema: true,
    default_decision: "allow",
    requests: [
      get("https://api.openai.com/v1", { Authorization: "Bearer x" }),
      get("https://api.example.com/v1", { Authorization: "Bearer x" }),
      get("https://api.example.com/v1", { Accept: "*/*" }),
      get("http://localhost:9001/"),
    ],
  },
  {
    name: "a policy that errors is skipped and reported (permit all still allows)",
    policies: `@id("broken")
forbid (principal, action, resource) when { context.missing == 1 };
@id("everything")
permit (principal, action, resource);`,
    schema: false,
    default_decision: "deny",
    requests: [raw({})],
  },
  {
    name: "a permit that errors does not allow",
    policies: `@id("broken-permit")
permit (principal, action, resource) when { principal.level > context.missing };`,
    schema: false,
    default_decision: "deny",
    requests: [raw({}), raw({ missing: 1 })],
  },
  {
    name: "entity hierarchy with in, and entity attributes",
    policies: `@id("admins")
permit (principal in Group::"admins", action, resource);
@id("owners")
permit (principal, action, resource) when { resource.owner == principal && principal.level >= 3 };`,
    schema: false,
    default_decision: "deny",
    requests: [raw({}, [{ type: "Group", id: "admins" }]), raw({})],
  },
  {
    name: "ip extension with an error for a non-address",
    policies: `@id("private-net")
forbid (principal, action == Action::"api_call", resource)
when { ip(context.hostname).isInRange(ip("10.0.0.0/8")) };`,
    schema: false,
    default_decision: "allow",
    requests: [get("http://10.1.2.3/"), get("http://192.168.1.1/"), get("https://example.com/")],
  },
  {
    name: "invalid policy text is a load error",
    policies: "permit (principal, action, resource) when { ( };",
    schema: false,
    default_decision: "deny",
    requests: [],
  },
  {
    name: "unterminated string is a load error",
    policies: 'forbid (principal, action, resource) when { context.url like "http://* };',
    schema: false,
    default_decision: "deny",
    requests: [],
  },
  {
    name: "a typo the schema refuses is a load error",
    policies: `forbid (principal, action == Action::"api_call", resource) when { resource.hostnme == "x" };`,
    schema: true,
    default_decision: "allow",
    requests: [],
  },
  {
    name: "an unknown action the schema refuses is a load error",
    policies: `forbid (principal, action == Action::"api_cal", resource);`,
    schema: true,
    default_decision: "allow",
    requests: [],
  },
  {
    name: "duplicate @id is a load error",
    policies: `@id("x")
permit (principal, action, resource);
@id("x")
forbid (principal, action, resource);`,
    schema: false,
    default_decision: "deny",
    requests: [],
  },
  {
    name: "a template is a load error",
    policies: "permit (principal == ?principal, action, resource);",
    schema: false,
    default_decision: "deny",
    requests: [],
  },
];

/**
 * Policy texts far past what Cedar engines evaluate safely (issue 16 item 1: 200 nested parentheses
 * trapped cedar-wasm for every later caller). Every implementation must refuse them when loading.
 */
const BOUNDED: [string, string][] = [
  [
    "200 nested parentheses",
    `permit (principal, action, resource) when { ${"(".repeat(200)}true${")".repeat(200)} };`,
  ],
  [
    "a chain of 2,000 additions",
    `permit (principal, action, resource) when { ${Array(2000).fill("1").join(" + ")} == 2 };`,
  ],
  [
    "300 nested sets",
    `permit (principal, action, resource) when { ${"[".repeat(300)}1${"]".repeat(300)}.contains(1) };`,
  ],
  [
    "a chain of 1,000 &&",
    `permit (principal, action, resource) when { ${Array(1000).fill("true").join(" && ")} };`,
  ],
];

export async function buildDecisions() {
  const cases = [];
  for (const input of INPUTS) {
    const compiled = await compilePolicySet(input.policies, {
      defaultDecision: input.default_decision,
      ...(input.schema ? { schema: REQUEST_MODEL_SCHEMA } : {}),
    });
    if (!compiled.ok) {
      if (input.requests.length > 0) throw new Error(`"${input.name}" does not load but has requests`);
      cases.push({ ...input, load_error: true, requests: [] });
      continue;
    }
    if (input.requests.length === 0) throw new Error(`"${input.name}" loads but has no requests`);
    cases.push({
      ...input,
      load_error: false,
      requests: input.requests.map((request) => {
        const d = compiled.policySet.evaluate(request);
        return {
          request,
          expected: {
            decision: d.decision,
            policy_ids: d.policyIds.filter((id) => id !== DEFAULT_ALLOW_POLICY_ID).sort(),
            errors: d.errors.length > 0,
          },
        };
      }),
    });
  }
  const bounded = [];
  for (const [name, policies] of BOUNDED) {
    const compiled = await compilePolicySet(policies, { defaultDecision: "deny" });
    bounded.push({ name, policies, load_error: !compiled.ok });
  }
  return {
    description:
      "Cedar policy text + request -> decision, from the official engine (cedar-wasm) through @trusera/core.",
    schema: REQUEST_MODEL_SCHEMA,
    cases,
    bounded_texts: bounded,
  };
}
