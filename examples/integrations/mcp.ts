// Model Context Protocol: every tools/call of an MCP client decided by Cedar and recorded; a forbidden
// call never reaches the server.
//   TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 npx tsx examples/integrations/mcp.ts
// Offline: the MCP server runs in this process, over the SDK's in-memory transport (a stdio or HTTP
// transport works the same way).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CedarEvaluator, PolicyViolationError, TruseraClient } from "trusera-sdk";
import { wrapMcpClient } from "trusera-sdk/mcp";
import { z } from "zod";

const server = new McpServer({ name: "shell", version: "1.0.0" });
server.registerTool(
  "run",
  { description: "Runs a command", inputSchema: { command: z.string() } },
  async ({ command }) => {
    console.log(`server ran: ${command}`);
    return { content: [{ type: "text", text: `ran ${command}` }] };
  },
);
const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
await server.connect(serverTransport);

const client = new TruseraClient({ agentId: "mcp-example" });
const cedarEvaluator = new CedarEvaluator();
await cedarEvaluator.loadPolicy(`
@id("no-rm")
forbid (principal, action == Action::"tool_call", resource == Tool::"run")
when { resource.hasTag("command") && resource.getTag("command") like "rm *" };
`);
const mcp = wrapMcpClient(new Client({ name: "mcp-example", version: "1.0.0" }), client, {
  enforcement: "block",
  cedarEvaluator,
});
await mcp.connect(clientTransport);

for (const command of ["ls /tmp", "rm -rf /"]) {
  try {
    const result = await mcp.callTool({ name: "run", arguments: { command } });
    console.log(`run ${command}: ${(result.content as { text: string }[])[0]!.text}`);
  } catch (err) {
    if (!(err instanceof PolicyViolationError)) throw err;
    console.log(`run ${command}: ${err.message}`);
  }
}

await mcp.close();
await server.close();
await client.close();
console.log(`tracked ${client.stats.tracked} event(s), delivered ${client.stats.sent}`);
