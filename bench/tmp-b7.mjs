import { createServer } from "node:http";
import { TruseraClient, TruseraInterceptor } from "trusera-sdk";
import { median } from "./lib.mjs";

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
const client = new (process.argv[3] === "track" ? TruseraClient : Sink)({
  apiKey: `tsk_${"b".repeat(32)}`,
  baseUrl: "http://127.0.0.1:9",
  flushInterval: 3600000,
  batchSize: 1000,
  maxQueueSize: 100000000,
  maxQueueBytes: 2 ** 40,
  logger: { debug() {}, warn(m) {} },
});
const mode = process.argv[2];
const i = new TruseraInterceptor();
if (mode === "on") i.install(client, { enforcement: "log" });
const f = async () => {
  const r = await fetch(url);
  await r.arrayBuffer();
};
for (let k = 0; k < 2000; k++) await f();
const samples = [];
for (let k = 0; k < 8000; k++) {
  const t = process.hrtime.bigint();
  await f();
  samples.push(Number(process.hrtime.bigint() - t));
}
console.log(mode, process.argv[3] ?? "", (median(samples) / 1000).toFixed(1), "µs");
server.close();
process.exit(0);
