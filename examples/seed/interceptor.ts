// The seed's interceptor snippets (the three enforcement modes, and excludePatterns from its Vercel AI
// guide), run against a local Trusera server:
//   TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 npx tsx examples/seed/interceptor.ts
// Adapted: the seed's examples rely on a remote policy service; here the policy is a real Cedar forbid
// evaluated in-process. Calls that proceed go to a loopback stand-in; restricted-api.com is never
// contacted, because a blocked call never leaves the process.
import { CedarEvaluator, PolicyViolationError, TruseraClient, TruseraInterceptor } from "trusera-sdk";
import { startLocalUpstream } from "./local-upstream.js";

const upstream = await startLocalUpstream();
const client = new TruseraClient({ agentId: "interceptor-example" });

const evaluator = new CedarEvaluator();
await evaluator.loadPolicy(`
@id("unauthorized-api-access")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname == "restricted-api.com" || context.path like "/restricted/*" };
`);

const interceptor = new TruseraInterceptor();

// log: the request proceeds, the event records the decision, silently.
interceptor.install(client, { enforcement: "log", cedarEvaluator: evaluator });
let res = await fetch(`${upstream.url}/restricted/data`);
console.log(`log mode: ${res.status}, recorded as a deny`);

// warn: as log, plus a console warning per violation. URLs matching excludePatterns are left alone.
interceptor.install(client, {
  enforcement: "warn",
  cedarEvaluator: evaluator,
  excludePatterns: ["^http://localhost.*"],
});
res = await fetch(`${upstream.url}/restricted/data`);
console.log(`warn mode: ${res.status}, with a warning on stderr`);
res = await fetch(`${upstream.url.replace("127.0.0.1", "localhost")}/restricted/data`);
console.log(`warn mode, excluded URL: ${res.status}, not recorded`);

// block: a violation fails the call before it leaves the process.
interceptor.install(client, { enforcement: "block", cedarEvaluator: evaluator });
try {
  await fetch("https://restricted-api.com/data");
} catch (err) {
  // Error: [Trusera] Policy violation: ...
  console.error("Blocked:", (err as Error).message);
  if (!(err instanceof PolicyViolationError)) process.exit(1);
  console.log(`block mode: refused by ${err.policyIds.join(", ")}`);
}

await client.close();
interceptor.uninstall();
await upstream.close();
console.log(`tracked ${client.stats.tracked} event(s), delivered ${client.stats.sent}`);
