// Loopback stand-ins for what the demo agent calls, so that `npm start` works offline and never sends
// anything off the machine: one HTTP server for every host the agent names (its calls resolve there),
// and an OpenAI-compatible chat API whose answer asks for two tools.
import { createServer } from "node:http";

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

function close(server) {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function startStandIns() {
  const http = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify({ ok: true, host: req.headers.host, path: req.url });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
  });
  const openai = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let model = "gpt-4o-mini";
      try {
        model = JSON.parse(Buffer.concat(chunks).toString("utf8")).model ?? model;
      } catch {}
      const call = (id, name, args) => ({
        id,
        type: "function",
        function: { name, arguments: JSON.stringify(args) },
      });
      const body = JSON.stringify({
        id: `chatcmpl-demo-${Date.now()}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: null,
              tool_calls: [
                call("call_1", "web_search", { query: "AI security news" }),
                call("call_2", "delete_records", { table: "customers" }),
              ],
            },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 420, completion_tokens: 48, total_tokens: 468 },
      });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
  });
  const [httpPort, openaiPort] = await Promise.all([listen(http), listen(openai)]);
  return {
    httpPort,
    openaiBaseURL: `http://127.0.0.1:${openaiPort}/v1`,
    close: () => Promise.all([close(http), close(openai)]),
  };
}
