import { ConfigurationError } from "@trusera/core";
import type { TruseraClient } from "../../client/client.js";
import { ActionGuard, checkClient, resourceName } from "../shared/guard.js";
import { resolveIntegrationOptions } from "../shared/options.js";
import type { IntegrationOptions } from "../shared/types.js";
import type { McpClientLike } from "./types.js";

const WHO = "wrapMcpClient";
const ORIGINAL = Symbol.for("trusera.mcp.original-request");

type Request = McpClientLike["request"];

/**
 * Decides every `tools/call` an MCP client sends (`callTool`, or `request` with that method) as a
 * `tool_call` on `Tool::"<name>"`, its arguments as entity tags and `context.input`, and records it
 * with the server's name, its duration and whether the tool reported an error (`isError`). Other
 * requests pass untouched. Returns the same client; wrapping again replaces the previous wrapper.
 *
 * In `block` mode a denied call is never sent: `callTool` rejects with `PolicyViolationError` and the
 * server never sees the request.
 *
 * @example
 * const mcp = wrapMcpClient(new Client({ name: "my-agent", version: "1.0.0" }), client, { enforcement: "block", cedarEvaluator });
 * await mcp.connect(transport);
 * await mcp.callTool({ name: "delete_file", arguments: { path: "/etc/hosts" } }); // rejects
 *
 * @throws ConfigurationError when `client` is not a TruseraClient, an option is wrong, or `mcpClient`
 * has no `request` method.
 */
export function wrapMcpClient<C extends McpClientLike>(
  mcpClient: C,
  client: TruseraClient,
  options: IntegrationOptions = {},
): C {
  const guard = new ActionGuard(checkClient(WHO, client), resolveIntegrationOptions(WHO, options), "mcp");
  if (typeof mcpClient?.request !== "function") {
    throw new ConfigurationError(`${WHO} needs an MCP client (the Client of @modelcontextprotocol/sdk)`);
  }
  const current = mcpClient.request as Request & { [ORIGINAL]?: Request };
  const original = current[ORIGINAL] ?? current;
  const request: Request = function (this: unknown, req, ...rest) {
    if (req?.method !== "tools/call") return original.call(this ?? mcpClient, req, ...rest);
    const params = req.params ?? {};
    const extra: Record<string, unknown> = {};
    const server = mcpClient.getServerVersion?.()?.name;
    if (typeof server === "string" && server !== "") extra.server = server;
    const run = guard.begin(
      { action: "tool_call", name: resourceName(params.name), input: params.arguments ?? {} },
      undefined,
      extra,
    );
    if (run.blocked) return Promise.reject(run.blocked);
    let pending: Promise<unknown>;
    try {
      pending = original.call(this ?? mcpClient, req, ...rest);
    } catch (err) {
      run.end({ error: err });
      throw err;
    }
    return Promise.resolve(pending).then(
      (result) => {
        const isError = (result as { isError?: unknown } | null)?.isError === true;
        run.end(
          isError ? { error: "the tool reported an error (isError)", payload: { is_error: true } } : {},
        );
        return result;
      },
      (err: unknown) => {
        run.end({ error: err });
        throw err;
      },
    );
  };
  Object.defineProperty(request, ORIGINAL, { value: original });
  Object.defineProperty(mcpClient, "request", { value: request, configurable: true, writable: true });
  return mcpClient;
}
