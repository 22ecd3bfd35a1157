import { type HeaderInput, headerNames } from "../redact/headers.js";
import { redactText } from "../redact/text.js";
import { parseHttpUrl } from "./http-url.js";
import type { CedarRequest } from "./types.js";

/**
 * The Cedar schema of every request Trusera asks the engine about: the contract users write policies
 * against (docs/policy-model.md). Policies are validated against it at load time, so a typo such as
 * `resource.hostnme` is an error there, not a rule that silently never matches.
 *
 * Open-ended data (a tool's arguments) is carried as entity tags, Cedar's typed open map:
 * `resource.hasTag("path") && resource.getTag("path") like "/etc/*"`.
 */
export const REQUEST_MODEL_SCHEMA = `
entity Agent;
entity Host = { hostname: String, scheme: String, port: Long };
entity Tool = { name: String } tags String;
entity Model = { name: String, provider: String };
entity DataSource = { name: String };
entity File = { path: String, directory: String, extension: String };
entity Step = { name: String };
entity Command = { name: String, binary: String };
entity Target = { name: String };

type HttpContext = {
  url: String, method: String, hostname: String, path: String, query: String,
  scheme: String, port: Long, headers: Set<String>
};

action "api_call" appliesTo { principal: Agent, resource: Host, context: HttpContext };
action "tool_call" appliesTo { principal: Agent, resource: Tool, context: { input: String } };
action "llm_invoke" appliesTo { principal: Agent, resource: Model, context: { provider: String } };
action "data_access" appliesTo { principal: Agent, resource: DataSource, context: { operation: String } };
action "file_write" appliesTo { principal: Agent, resource: File, context: { operation: String } };
action "decision" appliesTo { principal: Agent, resource: Step, context: {} };
action "shell_exec" appliesTo {
  principal: Agent, resource: Command,
  context: {
    command: String, args: Set<String>, action_class: String, cwd: String, hosts: Set<String>,
    host: String, path: String
  }
};
action "agent_action" appliesTo {
  principal: Agent, resource: Target,
  context: { action: String, action_class: String, target: String, host: String, path: String }
};
`;

/** The actions of the request model. */
export const ACTIONS = [
  "api_call",
  "tool_call",
  "llm_invoke",
  "data_access",
  "file_write",
  "decision",
  "shell_exec",
  "agent_action",
] as const;
export type ActionName = (typeof ACTIONS)[number];

const agent = (agentId: string) => ({ type: "Agent", id: agentId || "unknown" });
const action = (name: ActionName) => ({ type: "Action", id: name });

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443, "ws:": 80, "wss:": 443 };

/**
 * The method in upper case. The usual ones are returned as they are: `toUpperCase` is a call into
 * the runtime, a tenth of building the whole request.
 */
function upperMethod(given: string | null | undefined): string {
  const method = given ?? "GET";
  switch (method) {
    case "GET":
    case "POST":
    case "PUT":
    case "PATCH":
    case "DELETE":
    case "HEAD":
    case "OPTIONS":
      return method;
    default:
      return method.toUpperCase();
  }
}

/**
 * An outbound HTTP call. Header names only (lower case) reach the context: values may be secrets.
 * The query string is kept with secret-looking values redacted by the caller (see redactUrl).
 */
export function httpRequest(
  agentId: string,
  call: { url: URL | string; method?: string; headers?: HeaderInput | null },
): CedarRequest {
  const parsed = typeof call.url === "string" ? parseHttpUrl(call.url) : null;
  const url = parsed ?? (typeof call.url === "string" ? new URL(call.url) : call.url);
  let hostname = url.hostname;
  let scheme: string;
  let port: number;
  // parseHttpUrl's hostname is already lower case, and never an IPv6 one in brackets; its scheme is
  // one of two (taken as constants: a slice of the protocol would be a new string each call).
  if (parsed === null) {
    if (hostname.charCodeAt(0) === 91 /* [ */) hostname = hostname.replace(/^\[|\]$/g, "");
    hostname = hostname.toLowerCase();
    scheme = url.protocol.endsWith(":") ? url.protocol.slice(0, -1) : url.protocol;
    port = url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 0);
  } else {
    const https = parsed.protocol === "https:";
    scheme = https ? "https" : "http";
    port = parsed.port === "" ? (https ? 443 : 80) : Number(parsed.port);
  }
  return {
    principal: agent(agentId),
    action: action("api_call"),
    resource: { type: "Host", id: hostname },
    context: {
      url: url.href,
      method: upperMethod(call.method),
      hostname,
      path: url.pathname,
      query: url.search.charCodeAt(0) === 63 /* ? */ ? url.search.slice(1) : url.search,
      scheme,
      port,
      headers: call.headers ? headerNames(call.headers) : [],
    },
    entities: [{ uid: { type: "Host", id: hostname }, attrs: { hostname, scheme, port }, parents: [] }],
  };
}

function tagValue(value: unknown): string {
  if (typeof value === "string") return redactText(value);
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : redactText(json);
}

/** A tool call. Each top-level argument becomes a tag of the Tool entity; `context.input` is the whole input as JSON. */
export function toolRequest(agentId: string, tool: string, args: unknown): CedarRequest {
  const tags: Record<string, string> = {};
  if (args && typeof args === "object" && !Array.isArray(args)) {
    for (const [k, v] of Object.entries(args)) if (v !== undefined) tags[k] = tagValue(v);
  }
  return {
    principal: agent(agentId),
    action: action("tool_call"),
    resource: { type: "Tool", id: tool },
    context: { input: args === undefined ? "" : tagValue(args) },
    entities: [{ uid: { type: "Tool", id: tool }, attrs: { name: tool }, parents: [], tags }],
  };
}

/** A call to a language model. */
export function modelRequest(agentId: string, model: string, provider = "unknown"): CedarRequest {
  return {
    principal: agent(agentId),
    action: action("llm_invoke"),
    resource: { type: "Model", id: model },
    context: { provider },
    entities: [{ uid: { type: "Model", id: model }, attrs: { name: model, provider }, parents: [] }],
  };
}

/** A read or write of a data source (`operation`: read, write, delete, ...). */
export function dataRequest(agentId: string, source: string, operation = "read"): CedarRequest {
  return {
    principal: agent(agentId),
    action: action("data_access"),
    resource: { type: "DataSource", id: source },
    context: { operation },
    entities: [{ uid: { type: "DataSource", id: source }, attrs: { name: source }, parents: [] }],
  };
}

/** A change to a file (`operation`: write, edit, delete). */
export function fileWriteRequest(agentId: string, path: string, operation = "write"): CedarRequest {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf(".");
  const attrs = {
    path,
    directory: slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : "",
    extension: dot > 0 ? base.slice(dot + 1).toLowerCase() : "",
  };
  return {
    principal: agent(agentId),
    action: action("file_write"),
    resource: { type: "File", id: path },
    context: { operation },
    entities: [{ uid: { type: "File", id: path }, attrs, parents: [] }],
  };
}

/** A decision point or reasoning step of an agent. */
export function decisionRequest(agentId: string, name: string): CedarRequest {
  return {
    principal: agent(agentId),
    action: action("decision"),
    resource: { type: "Step", id: name },
    context: {},
    entities: [{ uid: { type: "Step", id: name }, attrs: { name }, parents: [] }],
  };
}

/**
 * A command an agent runs. `name` is the binary's base name (`git`), `binary` what was executed (`/usr/bin/git`).
 * `host` and `path` are the one host and the one file this request asks about ("" for none): a
 * command naming several is decided once per target (see policy/governor.ts), because Cedar cannot
 * match a pattern against each member of a set.
 */
export function commandRequest(
  agentId: string,
  cmd: {
    binary: string;
    args: readonly string[];
    actionClass: string;
    cwd: string;
    hosts?: readonly string[];
    host?: string;
    path?: string;
  },
): CedarRequest {
  const name = cmd.binary.slice(cmd.binary.lastIndexOf("/") + 1);
  const args = cmd.args.map(redactText);
  return {
    principal: agent(agentId),
    action: action("shell_exec"),
    resource: { type: "Command", id: name },
    context: {
      command: [name, ...args].join(" "),
      args,
      action_class: cmd.actionClass,
      cwd: cmd.cwd,
      hosts: [...(cmd.hosts ?? [])],
      host: cmd.host ?? "",
      path: cmd.path ?? "",
    },
    entities: [{ uid: { type: "Command", id: name }, attrs: { name, binary: cmd.binary }, parents: [] }],
  };
}

/**
 * Any other action an agent takes through the governance SDK (`executeActionWithReceipt`) or a
 * hook (a file edit, a web fetch, an MCP tool): `action` names it, `target` is what it acts on,
 * `host` / `path` the one host or file this request asks about ("" for none).
 */
export function agentActionRequest(
  agentId: string,
  act: { action: string; target: string; actionClass: string; host?: string; path?: string },
): CedarRequest {
  const target = redactText(act.target);
  return {
    principal: agent(agentId),
    action: action("agent_action"),
    resource: { type: "Target", id: target },
    context: {
      action: act.action,
      action_class: act.actionClass,
      target,
      host: act.host ?? "",
      path: act.path ?? "",
    },
    entities: [{ uid: { type: "Target", id: target }, attrs: { name: target }, parents: [] }],
  };
}
