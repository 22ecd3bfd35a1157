import { useEffect, useMemo, useState } from "preact/hooks";
import { ago, api } from "../api.js";
import { COLORS, TimeChart } from "../components/chart.js";

interface Overview {
  window: { since: string; until: string; bucket_seconds: number };
  totals: { events: number; violations: number; agents: number };
  series: { times: number[]; by_type: Record<string, number[]>; violations: number[] };
  agents: {
    id: string;
    name: string;
    framework: string;
    last_seen_at: string | null;
    events: number;
    violations: number;
    dropped_events: number;
  }[];
}

const WINDOWS = [
  { label: "1 hour", minutes: 60 },
  { label: "6 hours", minutes: 360 },
  { label: "24 hours", minutes: 1440 },
  { label: "7 days", minutes: 10_080 },
];

export function OverviewPage() {
  const [minutes, setMinutes] = useState(60);
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stop = false;
    const load = () =>
      api<Overview>("GET", `/api/v1/overview?minutes=${minutes}`).then(
        (d) => {
          if (stop) return;
          setData(d);
          setError(null);
        },
        (e) => !stop && setError(String(e.message)),
      );
    load();
    const timer = setInterval(load, 10_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [minutes]);

  // One small chart per type, each on its own scale: drawn on one chart, types with similar counts
  // overlapped into a single line.
  const typeSeries = useMemo(
    () =>
      data
        ? Object.entries(data.series.by_type).map(([label, values], i) => [
            { label, values, color: COLORS[i % COLORS.length] },
          ])
        : [],
    [data],
  );
  const violationSeries = useMemo(
    () =>
      data ? [{ label: "violations", values: data.series.violations, color: "#e15759", bars: true }] : [],
    [data],
  );

  if (error) return <p class="error">{error}</p>;
  if (!data) return <p>Loading…</p>;
  const per = data.window.bucket_seconds === 60 ? "minute" : `${data.window.bucket_seconds / 60} minutes`;
  return (
    <div class="overview">
      <div class="toolbar">
        {WINDOWS.map((w) => (
          <button
            type="button"
            key={w.minutes}
            class={w.minutes === minutes ? "toggle on" : "toggle"}
            onClick={() => setMinutes(w.minutes)}
          >
            {w.label}
          </button>
        ))}
      </div>
      <div class="cards">
        <div class="card stat" data-testid="total-events">
          <div class="value">{data.totals.events}</div>
          <div class="label">events</div>
        </div>
        <div class="card stat" data-testid="total-violations">
          <div class="value bad">{data.totals.violations}</div>
          <div class="label">violations (deny or warn)</div>
        </div>
        <div class="card stat">
          <div class="value">{data.totals.agents}</div>
          <div class="label">agents</div>
        </div>
      </div>
      <section class="card">
        <h2>Events per {per}, by type</h2>
        {typeSeries.length === 0 ? (
          <p class="muted">No events in this window.</p>
        ) : (
          <div class="small-multiples" data-testid="chart-events">
            {typeSeries.map((series) => (
              <div key={series[0]!.label} data-testid={`chart-type-${series[0]!.label}`}>
                <h3>{series[0]!.label}</h3>
                <TimeChart times={data.series.times} series={series} height={110} />
              </div>
            ))}
          </div>
        )}
      </section>
      <section class="card">
        <h2>Violations per {per}</h2>
        <TimeChart
          times={data.series.times}
          series={violationSeries}
          height={160}
          testId="chart-violations"
        />
      </section>
      <section class="card">
        <h2>Agents</h2>
        <table data-testid="agents-table">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Framework</th>
              <th>Last seen</th>
              <th class="num">Events</th>
              <th class="num">Violations</th>
              <th class="num">Dropped</th>
            </tr>
          </thead>
          <tbody>
            {data.agents.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={`#/events?agent=${encodeURIComponent(a.id)}`}>{a.name}</a>
                </td>
                <td>{a.framework}</td>
                <td title={a.last_seen_at ?? ""}>{ago(a.last_seen_at)}</td>
                <td class="num">{a.events}</td>
                <td class={a.violations ? "num bad" : "num"}>{a.violations}</td>
                <td class="num">{a.dropped_events}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
