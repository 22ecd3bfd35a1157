import { apiCallEvent } from "./helpers.js";

/**
 * The recorded history the learning tests share. The active set allows good.example and new.example
 * and forbids evil.example; everything else is denied by default. The events are what SDKs under that
 * set reported: they support a permit for registry.example (denied 6 times by 3 agents) and a forbid
 * for new.example (allowed once), and nothing for evil.example (a forbid of the active set denies it).
 */
export const LEARNING_ACTIVE = `@id("known-hosts")
permit (principal, action == Action::"api_call", resource)
when { resource.hostname == "good.example" || resource.hostname == "new.example" };

@id("no-evil")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname == "evil.example" };
`;

export function learningHistory(): Record<string, unknown>[] {
  const events = [];
  for (let i = 0; i < 6; i++) {
    const agent = `bot-${i % 3}`;
    events.push(apiCallEvent(`https://registry.example/pkg/${i}`, "deny", { agent_id: agent }));
    events.push(apiCallEvent(`https://evil.example/x/${i}`, "deny", { agent_id: agent }));
    events.push(apiCallEvent(`https://good.example/ok/${i}`, "allow", { agent_id: agent }));
  }
  events.push(apiCallEvent("https://new.example/once", "allow", { agent_id: "bot-0" }));
  return events;
}
