import { useEffect, useState } from "preact/hooks";
import { useAgents } from "../agents.js";
import { api, query, time } from "../api.js";
import { DecisionBadge, EventDetail, type EventRow } from "../components/event-detail.js";

const TYPES = [
  "api_call",
  "tool_call",
  "llm_invoke",
  "data_access",
  "file_write",
  "decision",
  "policy_violation",
];
const DECISIONS = ["allow", "deny", "warn", "none", "violation"];
const MAX_ROWS = 500;

const paramsFromHash = () => new URLSearchParams(location.hash.split("?")[1] ?? "");

/**
 * The newest events, then every new one as it is stored (server-sent events), filtered by agent, type
 * and decision. A click shows an event whole.
 */
export function EventsPage() {
  const agents = useAgents();
  const [agent, setAgent] = useState(paramsFromHash().get("agent") ?? "");
  const [type, setType] = useState("");
  const [decision, setDecision] = useState("");
  const [events, setEvents] = useState<EventRow[]>([]);
  const [live, setLive] = useState<"connecting" | "live" | "reconnecting">("connecting");
  const [selected, setSelected] = useState<EventRow | null>(null);

  useEffect(() => {
    const filter = { agent_id: agent || undefined, type: type || undefined, decision: decision || undefined };
    let stop = false;
    setEvents([]);
    api<{ events: EventRow[] }>("GET", `/api/v1/events${query({ ...filter, limit: 100 })}`).then(
      (r) =>
        !stop &&
        setEvents((now) => {
          const ids = new Set(now.map((e) => e.id));
          return [...now, ...r.events.filter((e) => !ids.has(e.id))].slice(0, MAX_ROWS);
        }),
      () => {},
    );
    const source = new EventSource(`/api/v1/events/stream${query(filter)}`);
    source.onopen = () => setLive("live");
    source.onerror = () => setLive("reconnecting");
    source.addEventListener("events", (m) => {
      const fresh = (JSON.parse((m as MessageEvent).data) as EventRow[]).reverse();
      setEvents((now) => {
        const ids = new Set(now.map((e) => e.id));
        return [...fresh.filter((e) => !ids.has(e.id)), ...now].slice(0, MAX_ROWS);
      });
    });
    return () => {
      stop = true;
      source.close();
    };
  }, [agent, type, decision]);

  const nameOf = (id: string | null) => (id ? (agents.get(id)?.name ?? id) : "—");
  const select = (
    label: string,
    value: string,
    set: (v: string) => void,
    options: [string, string][],
    testId: string,
  ) => (
    <label>
      {label}
      <select value={value} data-testid={testId} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
        <option value="">any</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div class="split">
      <div class="grow">
        <div class="toolbar">
          {select(
            "Agent",
            agent,
            setAgent,
            [...agents.values()].map((a) => [a.id, a.name]),
            "filter-agent",
          )}
          {select(
            "Type",
            type,
            setType,
            TYPES.map((t) => [t, t]),
            "filter-type",
          )}
          {select(
            "Decision",
            decision,
            setDecision,
            DECISIONS.map((d) => [d, d]),
            "filter-decision",
          )}
          <span class={`live ${live}`} data-testid="live-status">
            {live === "live" ? "● live" : live}
          </span>
        </div>
        <table class="events clickable" data-testid="events-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Agent</th>
              <th>Type</th>
              <th>Name</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr
                key={e.id}
                data-event-id={e.id}
                class={selected?.id === e.id ? "selected" : ""}
                onClick={() => setSelected(e)}
              >
                <td title={e.timestamp}>{time(e.timestamp)}</td>
                <td>{nameOf(e.agent_id)}</td>
                <td>{e.type}</td>
                <td class="name">{e.name}</td>
                <td>
                  <DecisionBadge decision={e.decision} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 && <p class="muted">No events yet. New ones appear here as agents send them.</p>}
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
