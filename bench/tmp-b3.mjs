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
async function time(n) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  return Number(process.hrtime.bigint() - t) / n / 1000;
}
console.log("bare", await time(3000), await time(3000));
const i = new TruseraInterceptor();
i.install(client, { enforcement: "log" });
console.log("intercepted", await time(3000), await time(3000));
i.uninstall();
console.log("bare again", await time(3000));
await client.close();
server.close();
