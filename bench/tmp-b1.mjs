import { createServer } from "node:http";
import { TruseraClient, TruseraInterceptor } from "trusera-sdk";
import { alternate, fmtNs, median } from "./lib.mjs";

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
const interceptor = new TruseraInterceptor();
const f = async () => {
  const r = await fetch(url);
  await r.arrayBuffer();
};
const mode = process.argv[2] ?? "alt";
if (mode === "alt") {
  const s = await alternate(
    { run: f },
    {
      setup: () => {
        interceptor.install(client, { enforcement: "log" });
      },
      run: f,
      teardown: () => interceptor.uninstall(),
    },
    { blocks: 30, perBlock: 300, warmup: 1000 },
  );
  console.log(fmtNs(median(s.a)), fmtNs(median(s.b)), fmtNs(median(s.b) - median(s.a)));
} else {
  interceptor.install(client, { enforcement: "log" });
  for (let i = 0; i < 20000; i++) await f();
  console.log("done", client.stats);
}
await client.close();
server.close();
