import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the model API the seed's snippets call (api.openai.com), on a loopback port, so that
 * the examples run offline: POST /v1/chat/completions answers a canned completion.
 */
export async function startLocalUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify({
        id: "chatcmpl-local",
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "Hello from the local upstream." } }],
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
