export { type FakeOpenAI, type FakeOpenAIReply, startFakeOpenAI } from "./fake-openai.js";
export { type Fault, FaultProxy, type ProxiedRequest } from "./fault-proxy.js";
export { freePort } from "./free-port.js";
export { REPO_ROOT, SERVER_CLI, serverNode } from "./paths.js";
export {
  createTestDatabase,
  POSTGRES_SKIP_MESSAGE,
  postgresTestUrl,
  type TestDatabase,
} from "./postgres.js";
export { type ServerProcess, type ServerProcessOptions, startServerProcess } from "./server-process.js";
export { tempDir } from "./temp-dir.js";
export { waitFor } from "./wait-for.js";
export { type ReceivedRequest, WebhookReceiver } from "./webhook-receiver.js";
