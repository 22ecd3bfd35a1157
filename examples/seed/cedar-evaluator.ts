// The seed's CedarEvaluator snippet (a forbid policy enforced in block mode), run against a local
// Trusera server:
//   TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 npx tsx examples/seed/cedar-evaluator.ts
// Adapted where the seed's Cedar is not Cedar: `action == Action::"*"` is not a wildcard and
// `resource.hostname == "langchain"` names no attribute of a tool, so the seed's text is refused at
// load time (shown below, with its line and column), and the real-Cedar policy forbids the tool by
// name. The seed hands the evaluator to a LangChain handler; here the same decision is made directly
// and recorded as the handler would, then the evaluator also guards outbound HTTP.
import {
  CedarEvaluator,
  createEvent,
  EventType,
  PolicyLoadError,
  TruseraClient,
  TruseraInterceptor,
} from "trusera-sdk";
import { httpRequest, toolRequest } from "trusera-sdk/cedar";

const client = new TruseraClient({ agentId: "cedar-example" });
const evaluator = new CedarEvaluator();

try {
  await evaluator.loadPolicy(`
forbid (principal, action == Action::"*", resource)
when { resource.hostname == "langchain" };
`);
} catch (err) {
  if (!(err instanceof PolicyLoadError)) throw err;
  const d = err.diagnostics[0]!;
  console.log(`the seed's policy is not valid Cedar: line ${d.line}, column ${d.column}: ${d.message}`);
}

await evaluator.loadPolicy(`
@id("no-search-tool")
forbid (principal, action == Action::"tool_call", resource == Tool::"search");

@id("no-exfil-hosts")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname like "*.pastebin.com" };
`);

// A tool call the agent is about to make: denied, so it is not run, and the denial is recorded.
const decision = evaluator.evaluate(
  toolRequest("cedar-example", "search", { query: "top AI security risks" }),
);
console.log(`tool search: ${decision.decision} by ${decision.policyIds.join(", ")}`);
if (decision.decision === "deny") {
  const event = createEvent(
    EventType.POLICY_VIOLATION,
    "search",
    { tool: "search", reasons: decision.policyIds },
    {
      decision: "deny",
      enforcement: "block",
      policy_ids: decision.policyIds,
    },
  );
  client.track(event);
  console.log("Error: [Trusera] Policy violation: tool search denied - no-search-tool");
}

// The same evaluator guards HTTP in block mode.
const interceptor = new TruseraInterceptor();
interceptor.install(client, { enforcement: "block", cedarEvaluator: evaluator });
console.log(
  `api_call to eu.pastebin.com: ${evaluator.evaluate(httpRequest("cedar-example", { url: "https://eu.pastebin.com/raw/x" })).decision}`,
);
await fetch("https://eu.pastebin.com/raw/x").catch((err: Error) =>
  console.log(`fetch refused: ${err.message}`),
);

await client.close();
interceptor.uninstall();
console.log(`tracked ${client.stats.tracked} event(s), delivered ${client.stats.sent}`);
