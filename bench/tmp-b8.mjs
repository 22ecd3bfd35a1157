import { TruseraClient } from "trusera-sdk";
import { fmtNs, median, sampleSync } from "./lib.mjs";

const client = new TruseraClient({
  apiKey: `tsk_${"b".repeat(32)}`,
  baseUrl: "http://127.0.0.1:9",
  flushInterval: 3600000,
  maxRetries: 0,
  logger: { debug() {}, warn(m) {} },
});
const ev = {
  type: "api_call",
  name: "GET http://127.0.0.1:1234/v1/items",
  payload: {
    url: "http://127.0.0.1:1234/v1/items",
    method: "GET",
    status_code: 200,
    duration_ms: 0.123,
    request_size_bytes: 0,
    response_size_bytes: 2,
    request_headers: {},
  },
  metadata: { decision: "allow", enforcement: "log", policy_ids: [], blocked: false, library: "fetch" },
};
console.log(
  "track api_call",
  fmtNs(median(sampleSync(() => client.track({ ...ev }), { blocks: 20, perBlock: 2000 }))),
);
process.exit(0);
