import { createServer } from "node:http";
import { TruseraClient, TruseraInterceptor } from "trusera-sdk";
import { alternate, median } from "./lib.mjs";
const body = Buffer.from("ok");
const server = createServer((req, res) => { req.resume(); res.writeHead(200, { "content-type": "text/plain", "content-length": body.length }); res.end(body); });
server.keepAliveTimeout = 60_000;
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/v1/items`;
const quiet = { debug() {}, warn() {} };
const client = new TruseraClient({ apiKey: `tsk_${"b".repeat(32)}`, baseUrl: "http://127.0.0.1:9", flushInterval: 3_600_000, batchSize: 1000, maxQueueSize: 999, logger: quiet });
const G = Symbol.for("undici.globalDispatcher.1");
const bare = globalThis.fetch;
const it = new TruseraInterceptor(); it.install(client, { enforcement: "log" });
const hook = globalThis[G]; const agent = hook[Symbol.for("trusera.dispatcher-hook")].inner;
const blocks = 60, perBlock = 200;
const s = await alternate(
  { setup() { globalThis[G] = agent; }, run: async () => { const r = await bare(url); await r.arrayBuffer(); }, teardown() { globalThis[G] = hook; } },
  { run: async () => { const r = await fetch(url); await r.arrayBuffer(); } },
  { blocks, perBlock, warmup: 2000 });
const diffs = []; for (let b = 0; b < blocks; b++) { const sl = (xs) => xs.slice(b * perBlock, (b + 1) * perBlock); diffs.push(median(sl(s.b)) - median(sl(s.a))); }
console.log(process.argv[2], "bare", (median(s.a) / 1000).toFixed(1), "added", (median(diffs) / 1000).toFixed(2));
it.uninstall(); server.close(); process.exit(0);
