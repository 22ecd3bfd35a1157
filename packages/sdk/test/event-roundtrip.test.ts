import http from "node:http";
import { eventToCedarRequest } from "@trusera/core";
import axios from "axios";
import { request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, type CedarRequest, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";
import { RecordingClient } from "./support/recording-client.js";

// The contract with the server: an api_call event the interceptor records must rebuild, through
// core's eventToCedarRequest, exactly the Cedar request the interceptor decided, for every library.

class RecordingEvaluator extends CedarEvaluator {
  readonly requests: CedarRequest[] = [];
  override evaluate(request: CedarRequest) {
    this.requests.push(JSON.parse(JSON.stringify(request)));
    return super.evaluate(request);
  }
}

let server: Loopback;
let client: RecordingClient;
let evaluator: RecordingEvaluator;
const interceptor = new TruseraInterceptor();

beforeAll(async () => {
  server = await startLoopback();
  evaluator = new RecordingEvaluator();
  await evaluator.loadPolicy(
    `@id("deny-evil") forbid (principal, action == Action::"api_call", resource) when { context.path like "/evil*" };`,
  );
  client = new RecordingClient({ agentId: "roundtrip-agent" });
  interceptor.install(client, { enforcement: "log", cedarEvaluator: evaluator, decisionCacheSize: 0, axios });
  await interceptor.ready();
});

afterAll(async () => {
  interceptor.uninstall();
  await client.close();
  await server.close();
});

describe("api_call events round-trip to the Cedar request that was decided", () => {
  it("for fetch, undici, axios and node:http, including redacted queries, credentials and denies", async () => {
    await (
      await fetch(`${server.url}/f/path?q=1&access_token=abc&x=sk-proj-abcdefghijklmnopqrstuv`, {
        method: "PATCH",
        headers: { Authorization: "Bearer zzz", "X-Custom": "1" },
        body: "b",
      })
    ).text();
    await (
      await undiciRequest(`${server.url}/evil/u?page=3`, { headers: { "x-api-key": "k", accept: "*/*" } })
    ).body.text();
    await axios.post(`${server.url}/a`, { a: 1 }, { params: { password: "p", n: 2 } });
    await new Promise<void>((resolve) =>
      http.get(`${server.url}/h?token=t`, { headers: { cookie: "c=1" } }, (r) =>
        r.resume().on("end", resolve),
      ),
    );
    const events = client.of("api_call");
    expect(events.map((e) => e.metadata.library)).toEqual(["fetch", "undici", "axios", "http"]);
    expect(evaluator.requests).toHaveLength(4);
    for (const [i, event] of events.entries()) {
      // What the server stores: the client redacts again, and stamps the agent id.
      const rebuilt = eventToCedarRequest({ ...event, type: "api_call", agent_id: "roundtrip-agent" });
      expect(rebuilt).toEqual(evaluator.requests[i]);
    }
    expect(events[1]!.metadata.decision).toBe("deny");
    expect(JSON.stringify(evaluator.requests)).not.toMatch(/abc|sk-proj|zzz|"p"|c=1/);
  });
});
