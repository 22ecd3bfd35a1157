import { useEffect, useState } from "preact/hooks";
import { api, dateTime } from "../api.js";

interface Chain {
  id: string;
  actor_id: string;
  head_seq: number;
  receipts: number;
  updated_at: string;
  last_verification: { ok: boolean; verified_at: string; problems: { message: string }[] } | null;
}
interface Receipt {
  receipt_id: string;
  chain_id: string;
  seq: number;
  actor_id: string;
  action: string;
  action_class: string;
  target?: string;
  outcome: string;
  execution_status: string;
  occurred_at: string;
  kid: string;
  verification: { status: string; at: string };
}
interface Rejection {
  id: string;
  kind: string;
  message: string;
  at: string;
}

/** Receipts uploaded by `transient-trace receipts upload`: chains, their verification, each receipt, refusals. */
export function ReceiptsPage() {
  const [chains, setChains] = useState<Chain[]>([]);
  const [receipts, setReceipts] = useState<Receipt[]>([]);
  const [rejections, setRejections] = useState<Rejection[]>([]);
  const [busy, setBusy] = useState<string | null>(null);

  const load = async () => {
    const [c, r, j] = await Promise.all([
      api<{ chains: Chain[] }>("GET", "/api/v1/receipts/chains"),
      api<{ receipts: Receipt[] }>("GET", "/api/v1/receipts?limit=200"),
      api<{ rejections: Rejection[] }>("GET", "/api/v1/receipts/rejections?limit=20"),
    ]);
    setChains(c.chains);
    setReceipts(r.receipts);
    setRejections(j.rejections);
  };
  useEffect(() => {
    load().catch(() => {});
  }, []);
  const verify = async (id: string) => {
    setBusy(id);
    try {
      await api("POST", `/api/v1/receipts/chains/${id}/verify`);
      await load();
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="receipts">
      <p class="muted">
        Upload with <code>TRUSERA_API_URL=… TRUSERA_API_KEY=… transient-trace receipts upload</code>. Every
        receipt's Ed25519 signature and chain link is verified before it is stored.
      </p>
      <section class="card">
        <h2>Chains</h2>
        <table data-testid="receipt-chains">
          <thead>
            <tr>
              <th>Chain</th>
              <th>Agent</th>
              <th class="num">Receipts</th>
              <th>Updated</th>
              <th>Verified again</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {chains.map((c) => (
              <tr key={c.id}>
                <td>
                  <code title={c.id}>{c.id.slice(0, 12)}</code>
                </td>
                <td>{c.actor_id}</td>
                <td class="num">{c.receipts}</td>
                <td>{dateTime(c.updated_at)}</td>
                <td>
                  {c.last_verification === null ? (
                    <span class="muted">never</span>
                  ) : c.last_verification.ok ? (
                    <span class="badge allow">intact · {dateTime(c.last_verification.verified_at)}</span>
                  ) : (
                    <span
                      class="badge deny"
                      title={c.last_verification.problems.map((p) => p.message).join("\n")}
                    >
                      broken: {c.last_verification.problems[0]?.message}
                    </span>
                  )}
                </td>
                <td>
                  <button type="button" class="link" disabled={busy === c.id} onClick={() => verify(c.id)}>
                    {busy === c.id ? "Verifying…" : "Verify"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {chains.length === 0 && <p class="muted">No receipts uploaded yet.</p>}
      </section>
      <section class="card">
        <h2>Receipts</h2>
        <table data-testid="receipts-table">
          <thead>
            <tr>
              <th>Occurred</th>
              <th>Receipt</th>
              <th>Agent</th>
              <th>Action</th>
              <th>Target</th>
              <th>Outcome</th>
              <th>Status</th>
              <th>Signature</th>
            </tr>
          </thead>
          <tbody>
            {receipts.map((r) => (
              <tr key={`${r.chain_id}:${r.seq}`}>
                <td>{dateTime(r.occurred_at)}</td>
                <td>
                  <code>{r.receipt_id}</code> <span class="muted">#{r.seq}</span>
                </td>
                <td>{r.actor_id}</td>
                <td>
                  {r.action} ({r.action_class})
                </td>
                <td class="name" title={r.target}>
                  {r.target}
                </td>
                <td>
                  <span class={`badge ${r.outcome}`}>{r.outcome}</span>
                </td>
                <td>{r.execution_status}</td>
                <td>
                  <span class="badge allow" title={`key ${r.kid}, checked ${dateTime(r.verification.at)}`}>
                    {r.verification.status}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {rejections.length > 0 && (
        <section class="card">
          <h2>Refused uploads</h2>
          <ul>
            {rejections.map((r) => (
              <li key={r.id}>
                {dateTime(r.at)} <span class="badge deny">{r.kind}</span> {r.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
