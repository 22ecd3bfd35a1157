import { createServer } from "node:http";
import { TruseraClient, TruseraInterceptor } from "trusera-sdk";

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-length": 2 });
  res.end("ok");
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/v1/items`;
const client = new TruseraClient({
  apiKey: `tsk_${"b".repeat(32)}`,
  baseUrl: "http://127.0.0.1:9",
  flushInterval: 3_600_000,
  maxRetries: 0,
  logger: { debug() {}, warn() {} },
});
const f = async () => {
  const r = await fetch(url);
  await r.arrayBuffer();
};
const i = new TruseraInterceptor();
if (process.argv[2] === "on") i.install(client, { enforcement: "log" });
for (let k = 0; k < 10000; k++) await f();
i.uninstall();
await client.close();
server.close();
