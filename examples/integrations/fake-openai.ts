import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for api.openai.com on a loopback port, so that the example runs offline: the first chat
 * completion asks for two tool calls, every later one answers with text. Usage is reported as OpenAI does.
 */
export async function startFakeOpenAI(): Promise<{ baseURL: string; close(): Promise<void> }> {
  let turn = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { model } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { model: string };
      const first = turn++ === 0;
      const call = (id: string, name: string, args: unknown) => ({
        id,
        type: "function",
        function: { name, arguments: JSON.stringify(args) },
      });
      const message = first
        ? {
            role: "assistant",
            content: null,
            tool_calls: [
              call("call_1", "get_weather", { city: "Paris" }),
              call("call_2", "send_email", { to: "all@example.com", body: "Paris: 21°C" }),
            ],
          }
        : { role: "assistant", content: "It is 21°C in Paris. I could not send the email." };
      const body = JSON.stringify({
        id: `chatcmpl-${turn}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message, finish_reason: first ? "tool_calls" : "stop" }],
        usage: { prompt_tokens: 400, completion_tokens: 50, total_tokens: 450 },
      });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
