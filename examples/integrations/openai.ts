// OpenAI Node SDK: every model call decided and recorded (tokens, estimated cost), and every tool call
// the model returns decided before the application runs it.
//   TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 npx tsx examples/integrations/openai.ts
// Offline: the client talks to an OpenAI-compatible stand-in on a loopback port (drop `baseURL` for
// the real API).
import OpenAI from "openai";
import { CedarEvaluator, PolicyViolationError, TruseraClient } from "trusera-sdk";
import { TruseraOpenAI } from "trusera-sdk/openai";
import { startFakeOpenAI } from "./fake-openai.js";

const upstream = await startFakeOpenAI();
const client = new TruseraClient({ agentId: "openai-example" });
const cedarEvaluator = new CedarEvaluator();
await cedarEvaluator.loadPolicy(`
@id("no-mass-email")
forbid (principal, action == Action::"tool_call", resource == Tool::"send_email")
when { resource.hasTag("to") && resource.getTag("to") like "all@*" };
`);

const trusera = new TruseraOpenAI(client, { enforcement: "block", cedarEvaluator });
const openai = trusera.wrap(new OpenAI({ baseURL: upstream.baseURL, apiKey: "sk-offline" }));
const tools = trusera.wrapTools({
  get_weather: ({ city }: { city: string }) => `21°C in ${city}`,
  send_email: ({ to }: { to: string }) => {
    console.log(`send_email ran for ${to}`); // never printed: the policy forbids it
    return "sent";
  },
});

const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: "user", content: "Weather in Paris, and tell everyone." },
];
const first = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
const message = first.choices[0]!.message;
messages.push(message);
for (const call of message.tool_calls ?? []) {
  if (call.type !== "function") continue;
  const fn = tools[call.function.name as keyof typeof tools];
  let content: string;
  try {
    content = await fn(JSON.parse(call.function.arguments));
    console.log(`${call.function.name}: ${content}`);
  } catch (err) {
    if (!(err instanceof PolicyViolationError)) throw err;
    content = `Refused by policy: ${err.reasons.join("; ")}`;
    console.log(`${call.function.name}: ${err.message}`);
  }
  messages.push({ role: "tool", tool_call_id: call.id, content });
}
const second = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
console.log(`assistant: ${second.choices[0]!.message.content}`);

await client.close();
await upstream.close();
console.log(`tracked ${client.stats.tracked} event(s), delivered ${client.stats.sent}`);
