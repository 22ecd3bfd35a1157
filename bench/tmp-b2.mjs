import { createServer } from "node:http";
import { alternate, fmtNs, median } from "./lib.mjs";

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-length": 2 });
  res.end("ok");
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/v1/items`;
void globalThis.Headers;
const d = globalThis[Symbol.for("undici.globalDispatcher.1")];
const wrapper = { dispatch: (o, h) => d.dispatch(o, h) };
const f = async (init) => {
  const r = await fetch(url, init);
  await r.arrayBuffer();
};
let s = await alternate(
  { run: () => f() },
  { run: () => f({ dispatcher: d }) },
  { blocks: 20, perBlock: 300, warmup: 500 },
);
console.log("explicit global dispatcher", fmtNs(median(s.a)), fmtNs(median(s.b)));
s = await alternate(
  { run: () => f() },
  { run: () => f({ dispatcher: wrapper }) },
  { blocks: 20, perBlock: 300, warmup: 500 },
);
console.log("wrapper object", fmtNs(median(s.a)), fmtNs(median(s.b)));
server.close();
