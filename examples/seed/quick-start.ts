// The seed's TypeScript quick start, run against a local Trusera server.
//   TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 npx tsx examples/seed/quick-start.ts
// Adapted only where it must be: the API key and server URL come from the environment (TruseraClient
// reads TRUSERA_API_KEY and TRUSERA_API_URL), and the chat completion goes to a loopback stand-in for
// api.openai.com so that the example runs offline.
import { TruseraClient, TruseraInterceptor } from "trusera-sdk";
import { startLocalUpstream } from "./local-upstream.js";

const upstream = await startLocalUpstream();

const client = new TruseraClient({
  agentId: "my-agent",
});

const interceptor = new TruseraInterceptor();
interceptor.install(client, { enforcement: "log" });

// All fetch() calls are now tracked automatically
const res = await fetch(`${upstream.url}/v1/chat/completions`, {
  method: "POST",
  body: JSON.stringify({ model: "gpt-4", messages: [] }),
});
const completion = (await res.json()) as { choices: { message: { content: string } }[] };
console.log(`chat completion: ${res.status} ${completion.choices[0]!.message.content}`);

await client.close();
interceptor.uninstall();
await upstream.close();
console.log(`tracked ${client.stats.tracked} event(s), delivered ${client.stats.sent}`);
