// trusera-sdk/mcp: every tools/call of a Model Context Protocol client, decided and recorded.

export type { IntegrationOptions } from "../shared/types.js";
export type { McpClientLike } from "./types.js";
export { wrapMcpClient } from "./wrap-client.js";
