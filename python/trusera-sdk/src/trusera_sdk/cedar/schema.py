"""The Cedar schema of every request Trusera asks the engine about: the contract users write policies
against (docs/policy-model.md). The same text as REQUEST_MODEL_SCHEMA in packages/core/src/cedar/request-model.ts
(a test compares the two).
"""

REQUEST_MODEL_SCHEMA = """
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
"""

ACTIONS = ("api_call", "tool_call", "llm_invoke", "data_access", "file_write", "decision", "shell_exec", "agent_action")
