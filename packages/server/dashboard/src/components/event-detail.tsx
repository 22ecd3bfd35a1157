import { dateTime } from "../api.js";
import { JsonView } from "./json-view.js";

export interface EventRow {
  id: string;
  agent_id: string | null;
  type: string;
  name: string;
  timestamp: string;
  received_at: string;
  decision: string | null;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export const policyIdsOf = (e: EventRow): string[] =>
  Array.isArray(e.metadata.policy_ids) ? (e.metadata.policy_ids as unknown[]).map(String) : [];

export function DecisionBadge({ decision }: { decision: string | null }) {
  return <span class={`badge ${decision ?? "none"}`}>{decision ?? "—"}</span>;
}

/** One event, whole: its fields, then its payload and metadata as formatted JSON. */
export function EventDetail({
  event,
  agentName,
  onClose,
}: {
  event: EventRow;
  agentName: string;
  onClose: () => void;
}) {
  return (
    <aside class="detail card" data-testid="event-detail">
      <div class="detail-head">
        <h2>
          {event.type} · {event.name}
        </h2>
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </div>
      <dl>
        <dt>Id</dt>
        <dd>
          <code>{event.id}</code>
        </dd>
        <dt>Agent</dt>
        <dd>{agentName}</dd>
        <dt>Time</dt>
        <dd>{dateTime(event.timestamp)}</dd>
        <dt>Received</dt>
        <dd>{dateTime(event.received_at)}</dd>
        <dt>Decision</dt>
        <dd>
          <DecisionBadge decision={event.decision} />
          {policyIdsOf(event).length > 0 && <span class="muted"> by {policyIdsOf(event).join(", ")}</span>}
        </dd>
      </dl>
      <h3>Payload</h3>
      <JsonView value={event.payload} testId="event-payload" />
      <h3>Metadata</h3>
      <JsonView value={event.metadata} testId="event-metadata" />
    </aside>
  );
}
