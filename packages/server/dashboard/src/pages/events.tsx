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
/** Rows of one page, and the most live rows kept: the table never renders a store's worth. */
const PAGE = 100;
const MAX_LIVE = 200;
const RANGES: [string, string, number][] = [
  ["15m", "last 15 minutes", 15 * 60_000],
  ["1h", "last hour", 3_600_000],
  ["24h", "last 24 hours", 86_400_000],
  ["7d", "last 7 days", 7 * 86_400_000],
];

const paramsFromHash = () => new URLSearchParams(location.hash.split("?")[1] ?? "");

/**
 * The newest events, then every new one as it is stored (server-sent events), filtered by agent, type
 * and decision; a page at a time (cursor paging, "Older" loads the next). A search (name or payload
 * text) or a time range is answered by the server and is not live. A click shows an event whole.
 */
export function EventsPage() {
  const agents = useAgents();
  const [agent, setAgent] = useState(paramsFromHash().get("agent") ?? "");
  const [type, setType] = useState("");
  const [decision, setDecision] = useState("");
  const [search, setSearch] = useState("");
  const [typed, setTyped] = useState("");
  const [range, setRange] = useState("");
  const [cursor, setCursor] = useState<string | null>(null);
  /** An agent's run: its actions oldest first, as they happened. */
  const [inOrder, setInOrder] = useState(false);
  const [events, setEvents] = useState<EventRow[]>([]);
  const [live, setLive] = useState<"connecting" | "live" | "reconnecting">("connecting");
  const [selected, setSelected] = useState<EventRow | null>(null);

  useEffect(() => {
    const filter = { agent_id: agent || undefined, type: type || undefined, decision: decision || undefined };
    const ms = RANGES.find(([k]) => k === range)?.[2];
    const searching = {
      ...filter,
      q: search || undefined,
      since: ms ? new Date(Date.now() - ms).toISOString() : undefined,
    };
    let stop = false;
    setEvents([]);
    setCursor(null);
    api<{ events: EventRow[]; next_cursor: string | null }>(
      "GET",
      `/api/v1/events${query({ ...searching, limit: PAGE })}`,
    ).then(
      (r) => {
        if (stop) return;
        setCursor(r.next_cursor);
        setEvents((now) => {
          const ids = new Set(now.map((e) => e.id));
          return [...now, ...r.events.filter((e) => !ids.has(e.id))];
        });
      },
      () => {},
    );
    if (search || range) {
      setLive("connecting");
      return () => {
        stop = true;
      };
    }
    const source = new EventSource(`/api/v1/events/stream${query(filter)}`);
    source.onopen = () => setLive("live");
    source.onerror = () => setLive("reconnecting");
    source.addEventListener("events", (m) => {
      const fresh = (JSON.parse((m as MessageEvent).data) as EventRow[]).reverse();
      setEvents((now) => {
        const ids = new Set(now.map((e) => e.id));
        return [...fresh.filter((e) => !ids.has(e.id)), ...now].slice(0, Math.max(MAX_LIVE, now.length));
      });
    });
    return () => {
      stop = true;
      source.close();
    };
  }, [agent, type, decision, search, range]);

  const older = () => {
    if (!cursor) return;
    const ms = RANGES.find(([k]) => k === range)?.[2];
    const q = {
      agent_id: agent || undefined,
      type: type || undefined,
      decision: decision || undefined,
      q: search || undefined,
      since: ms ? new Date(Date.now() - ms).toISOString() : undefined,
      cursor,
      limit: PAGE,
    };
    api<{ events: EventRow[]; next_cursor: string | null }>("GET", `/api/v1/events${query(q)}`).then(
      (r) => {
        setCursor(r.next_cursor);
        setEvents((now) => {
          const ids = new Set(now.map((e) => e.id));
          return [...now, ...r.events.filter((e) => !ids.has(e.id))];
        });
      },
      () => {},
    );
  };

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
          {select(
            "Time",
            range,
            setRange,
            RANGES.map(([k, l]) => [k, l]),
            "filter-range",
          )}
          <form
            class="search"
            onSubmit={(e) => {
              e.preventDefault();
              setSearch(typed.trim());
            }}
          >
            <input
              type="search"
              placeholder="Search name or payload"
              value={typed}
              data-testid="filter-search"
              onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
            />
          </form>
          {agent && (
            <button
              type="button"
              class={inOrder ? "toggle on" : "toggle"}
              data-testid="run-order"
              title="This agent's actions oldest first, as they happened"
              onClick={() => setInOrder(!inOrder)}
            >
              Run in order
            </button>
          )}
          <span class={`live ${live}`} data-testid="live-status">
            {search || range ? "search (not live)" : live === "live" ? "● live" : live}
          </span>
        </div>
        <div class="table-scroll">
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
              {(agent && inOrder ? [...events].reverse() : events).map((e) => (
                <tr
                  key={e.id}
                  data-event-id={e.id}
                  class={selected?.id === e.id ? "selected" : ""}
                  onClick={() => setSelected(e)}
                >
                  <td title={e.timestamp}>{time(e.timestamp)}</td>
                  <td>
                    {e.agent_id ? (
                      <button
                        type="button"
                        class="link"
                        title="Show this agent's run"
                        onClick={(ev) => {
                          ev.stopPropagation();
                          setAgent(e.agent_id!);
                          setInOrder(true);
                        }}
                      >
                        {nameOf(e.agent_id)}
                      </button>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>{e.type}</td>
                  <td class="name">{e.name}</td>
                  <td>
                    <DecisionBadge decision={e.decision} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {cursor && (
          <button type="button" data-testid="load-older" onClick={older}>
            Older events
          </button>
        )}
        {events.length === 0 && (
          <p class="muted">
            {search || range
              ? "No events match."
              : "No events yet. New ones appear here as agents send them."}
          </p>
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
