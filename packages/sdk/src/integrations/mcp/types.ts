/** The part of an MCP client (`Client` of `@modelcontextprotocol/sdk`) the wrapper instruments. */
export interface McpClientLike {
  request(
    request: { method: string; params?: Record<string, unknown> },
    // biome-ignore lint/suspicious/noExplicitAny: the result schema and options, forwarded as given.
    ...rest: any[]
  ): Promise<unknown>;
  /** The connected server's name and version, recorded with each call. */
  getServerVersion?(): { name?: string; version?: string } | undefined;
}
