import type { ServerProcess } from "@trusera/testing";
import { expect } from "vitest";
import { CedarEvaluator, type EventInput, type Logger, TruseraClient } from "../../src/index.js";

/** An event as the server stores it. */
export interface StoredEvent {
  type: string;
  name: string;
  agent_id: string;
  payload: Record<string, any>;
  metadata: Record<string, any>;
}

/**
 * A real client reporting to a real server as `agent`. It keeps the warnings it would print, and the
 * ids of the events it is given in order: several events often share a millisecond, so the server's
 * timestamps cannot order them.
 */
export class ServerClient extends TruseraClient {
  readonly warnings: string[];
  readonly order: string[] = [];

  constructor(server: ServerProcess, agent: string) {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      warn(message) {
        warnings.push(message);
      },
    };
    super({ apiKey: server.apiKey, baseUrl: server.url, agentId: agent, flushInterval: 3_600_000, logger });
    this.warnings = warnings;
  }

  override track(event: EventInput): void {
    const id = event.id ?? globalThis.crypto.randomUUID();
    this.order.push(id);
    super.track({ ...event, id });
  }
}

export const clientFor = (server: ServerProcess, agent: string) => new ServerClient(server, agent);

/** Delivers what the client holds and returns what the server stored for `agent`, in tracking order. */
export async function storedEvents(
  server: ServerProcess,
  client: ServerClient,
  agent: string,
): Promise<StoredEvent[]> {
  await client.flush();
  expect(client.stats).toMatchObject({ queued: 0, invalid: 0, dropped: 0 });
  const res = await server.api("GET", `/api/v1/events?agent_id=${encodeURIComponent(agent)}&limit=500`);
  expect(res.status).toBe(200);
  const events = res.body.events as (StoredEvent & { id: string })[];
  expect(events).toHaveLength(client.order.length);
  const position = new Map(client.order.map((id, i) => [id, i]));
  return events.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
}

/** `type name` of each event, for compact assertions. */
export const summary = (events: StoredEvent[]) => events.map((e) => `${e.type} ${e.name}`);

/** An evaluator with `policies` loaded (validated against the request model). */
export async function evaluatorWith(policies: string): Promise<CedarEvaluator> {
  const evaluator = new CedarEvaluator();
  await evaluator.loadPolicy(policies);
  return evaluator;
}

/** Tool policies the integration tests share: deleting is forbidden, and reading under /etc. */
export const TOOL_POLICIES = `
@id("no-delete")
forbid (principal, action == Action::"tool_call", resource == Tool::"delete_file");

@id("no-etc")
forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };
`;
