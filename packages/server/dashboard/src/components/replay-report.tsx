interface ChangedDecision {
  event_id: string;
  agent_id: string;
  agent_name?: string | null;
  name: string;
  recorded: string;
  candidate: string;
  policy_ids: string[];
}

/** The answer of POST /api/v1/policies/replay, as far as this page reads it. */
export interface ReplayAnswer {
  evaluated: number;
  unchanged: number;
  allow_to_deny: number;
  deny_to_allow: number;
  denied_by_policy: Record<string, number>;
  examples: { allow_to_deny: ChangedDecision[]; deny_to_allow: ChangedDecision[] };
  truncated?: boolean;
  events_scanned?: number;
}

/** What a candidate policy set would have decided differently over the recorded events. */
export function ReplayReport({ report }: { report: ReplayAnswer }) {
  const examples = [...report.examples.allow_to_deny, ...report.examples.deny_to_allow];
  return (
    <div class="replay" data-testid="replay-report">
      <h3>Replay of the last 7 days</h3>
      <div class="cards">
        <div class="stat">
          <div class="value">{report.evaluated}</div>
          <div class="label">decisions replayed</div>
        </div>
        <div class="stat">
          <div class="value">{report.unchanged}</div>
          <div class="label">unchanged</div>
        </div>
        <div class="stat">
          <div class="value bad" data-testid="replay-allow-to-deny">
            {report.allow_to_deny}
          </div>
          <div class="label">allow → deny</div>
        </div>
        <div class="stat">
          <div class="value">{report.deny_to_allow}</div>
          <div class="label">deny → allow</div>
        </div>
      </div>
      {Object.keys(report.denied_by_policy).length > 0 && (
        <p>
          Would deny:{" "}
          {Object.entries(report.denied_by_policy).map(([id, n]) => (
            <code key={id} class="chip">
              {id}: {String(n)}
            </code>
          ))}
        </p>
      )}
      {examples.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Agent</th>
              <th>Call</th>
              <th>Recorded</th>
              <th>Candidate</th>
              <th>Policies</th>
            </tr>
          </thead>
          <tbody>
            {examples.map((e) => (
              <tr key={e.event_id}>
                <td>{e.agent_name ?? e.agent_id}</td>
                <td class="name">{e.name}</td>
                <td>
                  <span class={`badge ${e.recorded}`}>{e.recorded}</span>
                </td>
                <td>
                  <span class={`badge ${e.candidate}`}>{e.candidate}</span>
                </td>
                <td>{e.policy_ids.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.truncated && <p class="muted">Only the newest {report.events_scanned} events were replayed.</p>}
    </div>
  );
}
