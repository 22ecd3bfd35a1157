import { httpRequest } from "@trusera/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CedarEvaluator, type CedarRequest, PolicyViolationError, TruseraInterceptor } from "../src/index.js";
import { type Loopback, startLoopback } from "./support/loopback.js";

// install(null, ...) decides and enforces without reporting, and a delegating evaluator takes its
// decisions from a function: together, how a host that keeps its own record (transient-trace's Node
// guard) puts the interceptor's hooks in front of its own decisions.

let server: Loopback;
const interceptor = new TruseraInterceptor();

beforeAll(async () => {
  server = await startLoopback();
});
afterEach(() => interceptor.uninstall());
afterAll(async () => {
  await server.close();
});

describe("an interceptor without a client, deciding through a delegate", () => {
  it("asks the delegate for every call (no cache) and blocks what it denies", async () => {
    const asked: CedarRequest[] = [];
    const evaluator = CedarEvaluator.delegating((request) => {
      asked.push(request);
      const denied = String(request.context.path).startsWith("/forbidden");
      return { decision: denied ? "deny" : "allow", policyIds: denied ? ["no-forbidden"] : [], errors: [] };
    });
    interceptor.install(null, { enforcement: "block", cedarEvaluator: evaluator, decisionCacheSize: 0 });
    expect(await (await fetch(`${server.url}/ok`)).text()).toBe("hello /ok");
    expect(await (await fetch(`${server.url}/ok`)).text()).toBe("hello /ok");
    const err = await fetch(`${server.url}/forbidden/x`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect((err as PolicyViolationError).policyIds).toEqual(["no-forbidden"]);
    expect(server.paths()).not.toContain("/forbidden/x");
    expect(asked.map((r) => r.context.path)).toEqual(["/ok", "/ok", "/forbidden/x"]);
    expect(asked[0]).toEqual(httpRequest("unknown", { url: `${server.url}/ok`, method: "GET", headers: {} }));
  });

  it("refuses a relative policyUrl and policy text for a delegate, clearly", () => {
    expect(() => interceptor.install(null, { policyUrl: "/api/v1/policies/bundle" })).toThrow(/absolute URL/);
    const evaluator = CedarEvaluator.delegating(() => ({ decision: "allow", policyIds: [], errors: [] }));
    expect(evaluator.loaded).toBe(true);
    return expect(evaluator.loadPolicy("permit (principal, action, resource);")).rejects.toThrow(
      /takes no policy text/,
    );
  });
});
