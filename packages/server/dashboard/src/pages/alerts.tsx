import { useEffect, useState } from "preact/hooks";
import { useAgents } from "../agents.js";
import { ApiError, api, dateTime } from "../api.js";

interface Rule {
  id: string;
  name: string;
  kind: "violation" | "rate" | "silent" | "match";
  enabled: boolean;
  agent_id: string | null;
  type: string | null;
  name_pattern: string | null;
  threshold: number | null;
  window_seconds: number | null;
  silent_minutes: number | null;
  cooldown_seconds: number;
  channels: { type: "webhook" | "slack"; url: string; secret?: string }[];
}

interface Alert {
  id: string;
  rule_id: string;
  fired_at: string;
  payload: { summary: string; rule: { name: string } };
  deliveries: {
    id: string;
    channel: { type: string; url: string };
    status: string;
    attempts: number;
    last_status_code: number | null;
    last_error: string | null;
    delivered_at: string | null;
    next_attempt_at: string | null;
  }[];
}

const KINDS = {
  violation: "Any policy violation (deny or warn)",
  rate: "Event rate of a type above a threshold",
  silent: "An agent silent for N minutes",
  match: "Any event matching a filter",
};

function describe(r: Rule, agentName: (id: string) => string): string {
  const agent = r.agent_id ? ` of ${agentName(r.agent_id)}` : "";
  switch (r.kind) {
    case "violation":
      return `violations${agent}`;
    case "rate":
      return `more than ${r.threshold} ${r.type} in ${r.window_seconds} s${agent}`;
    case "silent":
      return `${r.agent_id ? agentName(r.agent_id) : "any agent"} silent for ${r.silent_minutes} min`;
    case "match":
      return `events${agent}${r.type ? ` of type ${r.type}` : ""}${r.name_pattern ? ` named ${r.name_pattern}` : ""}`;
  }
}

/** Alert rules, and every alert they fired with the history of its deliveries. */
export function AlertsPage() {
  const agents = useAgents();
  const [rules, setRules] = useState<Rule[]>([]);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [form, setForm] = useState<Record<string, string>>({
    kind: "violation",
    channel: "webhook",
    cooldown: "300",
  });
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  const load = async () => {
    const [r, a] = await Promise.all([
      api<{ rules: Rule[] }>("GET", "/api/v1/alerts/rules"),
      api<{ alerts: Alert[] }>("GET", "/api/v1/alerts?limit=100"),
    ]);
    setRules(r.rules);
    setAlerts(a.alerts);
  };
  useEffect(() => {
    load().catch(() => {});
    const timer = setInterval(() => load().catch(() => {}), 3000);
    return () => clearInterval(timer);
  }, []);

  const set = (k: string) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const num = (k: string) => (form[k] ? Number(form[k]) : undefined);
  const create = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const kind = form.kind as Rule["kind"];
    const body: Record<string, unknown> = {
      name: form.name,
      kind,
      cooldown_seconds: num("cooldown") ?? 300,
      channels: [{ type: form.channel, url: form.url, ...(form.secret ? { secret: form.secret } : {}) }],
    };
    if (form.agent) body.agent_id = form.agent;
    if ((kind === "rate" || kind === "match") && form.type) body.type = form.type;
    if (kind === "match" && form.pattern) body.name_pattern = form.pattern;
    if (kind === "rate") Object.assign(body, { threshold: num("threshold"), window_seconds: num("window") });
    if (kind === "silent") body.silent_minutes = num("minutes");
    try {
      const rule = await api<Rule>("POST", "/api/v1/alerts/rules", body);
      const secret = rule.channels[0]?.secret;
      setMessage({
        kind: "ok",
        text: `Rule "${rule.name}" created.${secret ? ` Webhook signing secret: ${secret}` : ""}`,
      });
      setForm({ kind: "violation", channel: "webhook", cooldown: "300" });
      await load();
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof ApiError ? err.message : String(err) });
    }
  };
  const toggle = async (r: Rule) => {
    const { id: _id, channels, ...rest } = r;
    const body = Object.fromEntries(
      Object.entries({ ...rest, enabled: !r.enabled }).filter(([, v]) => v !== null),
    );
    delete body.created_at;
    delete body.updated_at;
    await api("PUT", `/api/v1/alerts/rules/${r.id}`, {
      ...body,
      channels: channels.map((c) => ({ type: c.type, url: c.url })),
    });
    await load();
  };
  const remove = async (r: Rule) => {
    if (!confirm(`Delete the rule "${r.name}"? Its alerts stay in the history.`)) return;
    await api("DELETE", `/api/v1/alerts/rules/${r.id}`);
    await load();
  };
  const agentName = (id: string) => agents.get(id)?.name ?? id;
  const ruleName = (id: string) => rules.find((r) => r.id === id)?.name;

  return (
    <div class="alerts">
      <section class="card">
        <h2>Rules</h2>
        <table data-testid="alert-rules">
          <thead>
            <tr>
              <th>Name</th>
              <th>Fires on</th>
              <th>Channels</th>
              <th>Cooldown</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id} class={r.enabled ? "" : "muted"}>
                <td>{r.name}</td>
                <td>{describe(r, agentName)}</td>
                <td>
                  {r.channels.map((c) => (
                    <div key={c.url}>
                      {c.type}: <code>{c.url}</code>
                    </div>
                  ))}
                </td>
                <td>{r.cooldown_seconds} s</td>
                <td class="actions">
                  <button type="button" class="link" onClick={() => toggle(r)}>
                    {r.enabled ? "Disable" : "Enable"}
                  </button>
                  <button type="button" class="link" onClick={() => remove(r)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rules.length === 0 && <p class="muted">No rules yet.</p>}
        <form class="rule-form" onSubmit={create} data-testid="alert-form">
          <h3>New rule</h3>
          <label>
            Name
            <input required value={form.name ?? ""} onInput={set("name")} data-testid="alert-name" />
          </label>
          <label>
            When
            <select value={form.kind} onChange={set("kind")} data-testid="alert-kind">
              {Object.entries(KINDS).map(([k, l]) => (
                <option key={k} value={k}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label>
            Agent
            <select value={form.agent ?? ""} onChange={set("agent")} data-testid="alert-agent">
              <option value="">any</option>
              {[...agents.values()].map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          {(form.kind === "rate" || form.kind === "match") && (
            <label>
              Event type
              <input value={form.type ?? ""} onInput={set("type")} placeholder="api_call" />
            </label>
          )}
          {form.kind === "match" && (
            <label>
              Name pattern
              <input value={form.pattern ?? ""} onInput={set("pattern")} placeholder="GET https://*" />
            </label>
          )}
          {form.kind === "rate" && (
            <>
              <label>
                More than
                <input type="number" min="0" value={form.threshold ?? ""} onInput={set("threshold")} />
              </label>
              <label>
                within seconds
                <input type="number" min="1" value={form.window ?? ""} onInput={set("window")} />
              </label>
            </>
          )}
          {form.kind === "silent" && (
            <label>
              Silent for minutes
              <input type="number" min="1" value={form.minutes ?? ""} onInput={set("minutes")} />
            </label>
          )}
          <label>
            Channel
            <select value={form.channel} onChange={set("channel")} data-testid="alert-channel">
              <option value="webhook">Webhook (signed JSON)</option>
              <option value="slack">Slack incoming webhook</option>
            </select>
          </label>
          <label>
            URL
            <input required type="url" value={form.url ?? ""} onInput={set("url")} data-testid="alert-url" />
          </label>
          {form.channel === "webhook" && (
            <label>
              Secret (optional)
              <input value={form.secret ?? ""} onInput={set("secret")} placeholder="made for you" />
            </label>
          )}
          <label>
            Cooldown seconds
            <input type="number" min="0" value={form.cooldown} onInput={set("cooldown")} />
          </label>
          <button type="submit" class="primary" data-testid="alert-create">
            Create rule
          </button>
        </form>
        {message && (
          <p class={message.kind} data-testid="alert-message">
            {message.text}
          </p>
        )}
      </section>
      <section class="card">
        <h2>Alerts and deliveries</h2>
        <table data-testid="alert-history">
          <thead>
            <tr>
              <th>Fired</th>
              <th>Rule</th>
              <th>What</th>
              <th>Deliveries</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id}>
                <td>{dateTime(a.fired_at)}</td>
                <td>{ruleName(a.rule_id) ?? a.payload.rule.name}</td>
                <td>{a.payload.summary}</td>
                <td>
                  {a.deliveries.map((d) => (
                    <div key={d.id} class="delivery" data-testid="delivery">
                      <span class={`badge ${d.status}`}>{d.status}</span> {d.channel.type} · {d.attempts}{" "}
                      attempt
                      {d.attempts === 1 ? "" : "s"}
                      {d.last_status_code !== null && ` · HTTP ${d.last_status_code}`}
                      {d.last_error && d.status !== "delivered" && (
                        <span class="muted"> · {d.last_error}</span>
                      )}
                      {d.next_attempt_at && <span class="muted"> · next {dateTime(d.next_attempt_at)}</span>}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {alerts.length === 0 && <p class="muted">No alert has fired.</p>}
      </section>
    </div>
  );
}
