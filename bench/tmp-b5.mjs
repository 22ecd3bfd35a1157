import { createServer } from "node:http";
import { TruseraClient, TruseraInterceptor } from "trusera-sdk";
import { alternate, fmtNs, median } from "./lib.mjs";
import { startBenchServer } from "./server-process.mjs";

const ts = await startBenchServer();
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-length": 2 });
  res.end("ok");
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/v1/items`;
const client = new TruseraClient({
  apiKey: ts.apiKey,
  baseUrl: ts.url,
  logger: {
    debug() {},
    warn(m) {
      console.error(m);
    },
  },
});
const interceptor = new TruseraInterceptor();
const f = async () => {
  const r = await fetch(url);
  await r.arrayBuffer();
};
for (let rep = 0; rep < 2; rep++) {
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
  console.log(fmtNs(median(s.a)), fmtNs(median(s.b)), fmtNs(median(s.b) - median(s.a)), client.stats);
}
await client.close();
server.close();
await ts.stop();
