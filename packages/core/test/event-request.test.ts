import { createEvent, EventType, eventToCedarRequest } from "@trusera/core";
import { describe, expect, it } from "vitest";

describe("eventToCedarRequest", () => {
  it("rebuilds the HTTP request of an api_call event", () => {
    const e = createEvent(EventType.API_CALL, "POST https://api.example.com/v1/x", {
      url: "https://api.example.com/v1/x?a=1",
      method: "POST",
      request_headers: { authorization: "[REDACTED]", "content-type": "application/json" },
    });
    const req = eventToCedarRequest({ ...e, agent_id: "agt_1" })!;
    expect(req.principal).toEqual({ type: "Agent", id: "agt_1" });
    expect(req.resource).toEqual({ type: "Host", id: "api.example.com" });
    expect(req.context).toMatchObject({
      method: "POST",
      path: "/v1/x",
      query: "a=1",
      headers: ["authorization", "content-type"],
    });
  });

  it("maps every action type and skips policy_violation", () => {
    expect(
      eventToCedarRequest(createEvent(EventType.TOOL_CALL, "search", { input: { q: "x" } }))?.resource,
    ).toEqual({
      type: "Tool",
      id: "search",
    });
    expect(
      eventToCedarRequest(createEvent(EventType.LLM_INVOKE, "openai.gpt4", { model: "gpt-4" }))?.resource.id,
    ).toBe("gpt-4");
    expect(eventToCedarRequest(createEvent(EventType.DATA_ACCESS, "db.users"))?.context).toEqual({
      operation: "read",
    });
    expect(
      eventToCedarRequest(createEvent(EventType.FILE_WRITE, "save", { path: "/tmp/a.pdf" }))?.resource.id,
    ).toBe("/tmp/a.pdf");
    expect(eventToCedarRequest(createEvent(EventType.DECISION, "approve"))?.action.id).toBe("decision");
    expect(eventToCedarRequest(createEvent(EventType.POLICY_VIOLATION, "x"))).toBeNull();
    expect(eventToCedarRequest(createEvent(EventType.API_CALL, "weird", {}))).toBeNull();
  });
});
