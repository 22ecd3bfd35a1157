import { useEffect, useState } from "preact/hooks";
import { useAgents } from "../agents.js";
import { api, dateTime } from "../api.js";
import { DecisionBadge, EventDetail, type EventRow, policyIdsOf } from "../components/event-detail.js";

/** Every denied or warned call, newest first, with the policies that decided it. */
export function ViolationsPage() {
  const agents = useAgents();
  const [events, setEvents] = useState<EventRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [selected, setSelected] = useState<EventRow | null>(null);

  const load = (after: string | null) =>
    api<{ events: EventRow[]; next_cursor: string | null }>(
      "GET",
      `/api/v1/events?decision=violation&limit=100${after ? `&cursor=${after}` : ""}`,
    ).then((r) => {
      setEvents((now) => (after ? [...now, ...r.events] : r.events));
      setCursor(r.next_cursor);
    });

  useEffect(() => {
    load(null).catch(() => {});
    const timer = setInterval(() => load(null).catch(() => {}), 10_000);
    return () => clearInterval(timer);
  }, []);

  const nameOf = (id: string | null) => (id ? (agents.get(id)?.name ?? id) : "—");
  return (
    <div class="split">
      <div class="grow">
        <table class="clickable" data-testid="violations-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Agent</th>
              <th>Call</th>
              <th>Decision</th>
              <th>Policies</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id} onClick={() => setSelected(e)}>
                <td>{dateTime(e.timestamp)}</td>
                <td>{nameOf(e.agent_id)}</td>
                <td class="name">{e.name}</td>
                <td>
                  <DecisionBadge decision={e.decision} />
                </td>
                <td>
                  {policyIdsOf(e).map((p) => (
                    <code key={p} class="chip">
                      {p}
                    </code>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 && <p class="muted">No violations recorded.</p>}
        {cursor && (
          <button type="button" onClick={() => load(cursor)}>
            Older
          </button>
        )}
      </div>
      {selected && (
        <EventDetail
          event={selected}
          agentName={nameOf(selected.agent_id)}
          onClose={() => setSelected(null)}
        />
      )}
    </div>
  );
}
