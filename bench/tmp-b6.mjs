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
class Sink extends TruseraClient {
  track() {}
}
const client = new Sink({
  apiKey: `tsk_${"b".repeat(32)}`,
  baseUrl: "http://127.0.0.1:9",
  logger: { debug() {}, warn(m) {} },
});
const interceptor = new TruseraInterceptor();
const f = async () => {
  const r = await fetch(url);
  await r.arrayBuffer();
};
const mode = process.argv[2];
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
server.close();
