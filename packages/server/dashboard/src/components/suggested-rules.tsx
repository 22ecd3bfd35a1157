import { useEffect, useState } from "preact/hooks";
import { api, dateTime } from "../api.js";

interface Example {
  event_id: string;
  agent_id: string | null;
  name: string;
  timestamp: string;
}

/** A suggestion of GET /api/v1/policies/suggestions, as far as this section reads it. */
interface Suggestion {
  id: string;
  kind: "allow" | "deny";
  policy: string;
  reason: string;
  evidence: { count: number; agents: number; first_seen: string; last_seen: string; examples: Example[] };
  impact: {
    replayed: number;
    changed: number;
    allow_to_deny: number;
    deny_to_allow: number;
    examples: (Example & { from: "allow" | "deny"; to: "allow" | "deny" })[];
  };
}

interface Listing {
  suggestions: Suggestion[];
}

/**
 * Rules learned from the recorded events (docs/learning.md), each with its reason, evidence and what
 * it would have changed. Nothing changes until someone approves one (a new active version); a
 * rejected one is not offered again for the same evidence. `onChanged` runs after a new version.
 * Opening the page only reads: automatic approvals run on the server's timer (auto-tightener.ts).
 */
export function SuggestedRules({ onChanged }: { onChanged: () => Promise<void> }) {
  const [list, setList] = useState<Suggestion[] | null>(null);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    const r = await api<Listing>("GET", "/api/v1/policies/suggestions");
    setList(r.suggestions);
    return r;
  };

  useEffect(() => {
    load().catch((err: Error) =>
      setMessage({ kind: "error", text: `Suggestions not loaded: ${err.message}` }),
    );
  }, []);

  const decide = async (s: Suggestion, verdict: "approve" | "reject") => {
    setBusy(true);
    setMessage(null);
    try {
      const r = await api<{ version?: { number: number } }>(
        "POST",
        `/api/v1/policies/suggestions/${s.id}/${verdict}`,
      );
      if (verdict === "approve") await onChanged();
      await load();
      setMessage({
        kind: "ok",
        text:
          verdict === "approve"
            ? `Approved ${s.id}: version ${r.version?.number} is active.`
            : `Rejected ${s.id}: it is not offered again until its evidence doubles.`,
      });
    } catch (err) {
      setMessage({ kind: "error", text: `Not ${verdict}d: ${(err as Error).message}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" data-testid="suggested-rules">
      <h2>Suggested rules</h2>
      <p class="muted">
        Learned from the api and tool calls recorded in the last 7 days. Each shows what it would have changed
        had it been active; nothing changes until it is approved.
      </p>
      {message && (
        <p class={message.kind} data-testid="suggestion-message">
          {message.text}
        </p>
      )}
      {list === null && <p>Loading…</p>}
      {list?.length === 0 && <p data-testid="no-suggestions">No suggestions from the recorded events.</p>}
      {list?.map((s) => (
        <div class="suggestion" key={s.id} data-testid={`suggestion-${s.id}`} data-kind={s.kind}>
          <div class="detail-head">
            <h3>
              <span class={`badge ${s.kind}`}>{s.kind}</span> {s.reason}
            </h3>
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={busy}
                onClick={() => decide(s, "approve")}
                data-testid={`approve-${s.id}`}
              >
                Approve
              </button>{" "}
              <button
                type="button"
                disabled={busy}
                onClick={() => decide(s, "reject")}
                data-testid={`reject-${s.id}`}
              >
                Reject
              </button>
            </div>
          </div>
          <pre class="json">{s.policy}</pre>
          <p>
            Evidence: {s.evidence.count} call(s) by {s.evidence.agents} agent(s), first{" "}
            {dateTime(s.evidence.first_seen)}, last {dateTime(s.evidence.last_seen)}.{" "}
            <span data-testid="suggestion-impact">
              Impact: {s.impact.allow_to_deny} allow → deny, {s.impact.deny_to_allow} deny → allow of{" "}
              {s.impact.replayed} replayed.
            </span>{" "}
            <code class="muted">{s.id}</code>
          </p>
          {s.impact.examples.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>Agent</th>
                  <th>Call</th>
                  <th>Was</th>
                  <th>Would be</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {s.impact.examples.map((e) => (
                  <tr key={e.event_id}>
                    <td>{e.agent_id ?? ""}</td>
                    <td class="name">{e.name}</td>
                    <td>
                      <span class={`badge ${e.from}`}>{e.from}</span>
                    </td>
                    <td>
                      <span class={`badge ${e.to}`}>{e.to}</span>
                    </td>
                    <td>{dateTime(e.timestamp)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </section>
  );
}
