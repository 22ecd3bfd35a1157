import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type ServerProcess, startServerProcess } from "@trusera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigurationError, PolicyViolationError } from "../../src/index.js";
import { wrapMcpClient } from "../../src/integrations/mcp/index.js";
import { clientFor, evaluatorWith, storedEvents, summary, TOOL_POLICIES } from "./support.js";

// A real MCP server (the SDK's McpServer) in-process over the SDK's in-memory transport, and a real
// MCP Client wrapped by wrapMcpClient, reporting to a real trusera-server process.

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess();
});
afterAll(async () => {
  await server?.dispose();
});

/** An MCP file server whose tools count what really ran, connected to a fresh client. */
async function connectFileServer() {
  const ran: string[] = [];
  const mcpServer = new McpServer({ name: "files", version: "1.0.0" });
  mcpServer.registerTool(
    "read_file",
    { description: "Reads a file", inputSchema: { path: z.string() } },
    async ({ path }) => {
      ran.push(`read_file ${path}`);
      if (path === "/missing") return { content: [{ type: "text", text: "no such file" }], isError: true };
      return { content: [{ type: "text", text: `contents of ${path}` }] };
    },
  );
  mcpServer.registerTool(
    "delete_file",
    { description: "Deletes a file", inputSchema: { path: z.string() } },
    async ({ path }) => {
      ran.push(`delete_file ${path}`);
      return { content: [{ type: "text", text: `deleted ${path}` }] };
    },
  );
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await mcpServer.connect(serverTransport);
  const mcp = new Client({ name: "test-agent", version: "1.0.0" });
  return { ran, mcp, mcpServer, connect: () => mcp.connect(clientTransport) };
}

describe("wrapMcpClient", () => {
  it("records every tools/call with its server, and leaves other requests alone (log mode)", async () => {
    const agent = "mcp-log";
    const client = clientFor(server, agent);
    const { ran, mcp, mcpServer, connect } = await connectFileServer();
    wrapMcpClient(mcp, client, { cedarEvaluator: await evaluatorWith(TOOL_POLICIES) });
    await connect();
    expect((await mcp.listTools()).tools.map((t) => t.name).sort()).toEqual(["delete_file", "read_file"]);
    expect(await mcp.callTool({ name: "read_file", arguments: { path: "/tmp/a" } })).toMatchObject({
      content: [{ type: "text", text: "contents of /tmp/a" }],
    });
    await mcp.callTool({ name: "delete_file", arguments: { path: "/tmp/b" } });
    await mcp.callTool({ name: "read_file", arguments: { path: "/missing" } });
    expect(ran).toEqual(["read_file /tmp/a", "delete_file /tmp/b", "read_file /missing"]);

    const events = await storedEvents(server, client, agent);
    expect(summary(events)).toEqual([
      "tool_call read_file",
      "policy_violation delete_file",
      "tool_call delete_file",
      "tool_call read_file",
    ]);
    const [read, , del, missing] = events;
    expect(read).toMatchObject({
      payload: { tool: "read_file", input: { path: "/tmp/a" }, server: "files", status: "ok" },
      metadata: { decision: "allow", library: "mcp" },
    });
    expect(del).toMatchObject({ metadata: { decision: "deny", policy_ids: ["no-delete"], blocked: false } });
    expect(missing!.payload).toMatchObject({ status: "error", is_error: true });
    await mcp.close();
    await mcpServer.close();
    await client.close();
  });

  it("block mode: a denied tools/call never reaches the server", async () => {
    const agent = "mcp-block";
    const client = clientFor(server, agent);
    const { ran, mcp, mcpServer, connect } = await connectFileServer();
    await connect();
    // Wrapping a connected client works as well; wrapping twice replaces the first wrapper.
    wrapMcpClient(mcp, client);
    wrapMcpClient(mcp, client, { enforcement: "block", cedarEvaluator: await evaluatorWith(TOOL_POLICIES) });
    const denied = await mcp
      .callTool({ name: "delete_file", arguments: { path: "/tmp/b" } })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PolicyViolationError);
    expect(denied).toMatchObject({
      message: "[Trusera] Policy violation: tool delete_file denied - forbidden by policy no-delete",
      library: "mcp",
    });
    await expect(
      mcp.callTool({ name: "read_file", arguments: { path: "/etc/passwd" } }),
    ).rejects.toBeInstanceOf(PolicyViolationError);
    // The raw request API is governed too.
    await expect(
      mcp.request(
        { method: "tools/call", params: { name: "delete_file", arguments: { path: "/x" } } },
        {} as never,
      ),
    ).rejects.toBeInstanceOf(PolicyViolationError);
    await mcp.callTool({ name: "read_file", arguments: { path: "/tmp/a" } });
    expect(ran).toEqual(["read_file /tmp/a"]);

    const events = await storedEvents(server, client, agent);
    expect(
      events
        .filter((e) => e.type === "tool_call")
        .map((e) => `${e.name} ${e.payload.input.path} ${e.payload.status}`),
    ).toEqual([
      "delete_file /tmp/b blocked",
      "read_file /etc/passwd blocked",
      "delete_file /x blocked",
      "read_file /tmp/a ok",
    ]);
    expect(events.filter((e) => e.type === "policy_violation")).toHaveLength(3);
    await mcp.close();
    await mcpServer.close();
    await client.close();
  });

  it("refuses what is not an MCP client", () => {
    const client = clientFor(server, "mcp-config");
    expect(() => wrapMcpClient({} as never, client)).toThrow(ConfigurationError);
    void client.close();
  });
});
