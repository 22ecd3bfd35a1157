import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, dateTime } from "../api.js";
import { DiffView } from "../components/diff-view.js";
import { LegacyClientsNote } from "../components/legacy-clients.js";
import { type Diagnostic, PolicyEditor } from "../components/policy-editor.js";
import { type ReplayAnswer, ReplayReport } from "../components/replay-report.js";
import { SuggestedRules } from "../components/suggested-rules.js";

interface VersionSummary {
  id: string;
  number: number;
  digest: string;
  default_decision: "allow" | "deny";
  description: string | null;
  created_at: string;
  active: boolean;
}
interface Version extends VersionSummary {
  policies: string;
}

const TEMPLATE = `// Cedar policies, decided against the request model (docs/policy-model.md).
// With the default decision "allow", every matching forbid denies.
@id("no-evil-hosts")
forbid (principal, action == Action::"api_call", resource)
when { resource.hostname == "evil.example" };
`;

/**
 * Edit Cedar text with errors at their line (validated as you type), save it as a new immutable
 * version, replay it against recorded events before activating, activate or roll back, and compare
 * each version with the one before.
 */
export function PoliciesPage() {
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [text, setText] = useState<string | null>(null);
  const [defaultDecision, setDefaultDecision] = useState<"allow" | "deny">("allow");
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Diagnostic[]>([]);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [replay, setReplay] = useState<ReplayAnswer | null>(null);
  const [shown, setShown] = useState<{ version: Version; previous: Version | null } | null>(null);
  const validateTimer = useRef<number | undefined>(undefined);

  const loadVersions = async () => {
    const r = await api<{ versions: VersionSummary[] }>("GET", "/api/v1/policies?limit=100");
    setVersions(r.versions);
    return r.versions;
  };

  // The versions, and the active one in the editor (on opening, and after a suggestion is approved,
  // so that the next save builds on the rule instead of dropping it).
  const loadActive = async () => {
    const vs = await loadVersions();
    const active = vs.find((v) => v.active);
    if (active) {
      const v = await api<Version>("GET", `/api/v1/policies/${active.id}`);
      setText(v.policies);
      setDefaultDecision(v.default_decision);
      setReplay(null);
    } else setText(TEMPLATE);
  };

  useEffect(() => {
    void loadActive();
  }, []);

  const edit = (value: string) => {
    setText(value);
    setReplay(null);
    clearTimeout(validateTimer.current);
    validateTimer.current = window.setTimeout(async () => {
      const r = await api<{ ok: boolean; errors: Diagnostic[] }>("POST", "/api/v1/policies/validate", {
        policies: value,
      }).catch(() => null);
      if (r) setErrors(r.errors);
    }, 400);
  };

  const run = async (what: string, fn: () => Promise<string>) => {
    setMessage(null);
    try {
      setMessage({ kind: "ok", text: await fn() });
    } catch (err) {
      if (err instanceof ApiError && err.code === "invalid_policy") setErrors(err.details as Diagnostic[]);
      setMessage({ kind: "error", text: `${what}: ${(err as Error).message}` });
    }
  };

  const save = (activate: boolean) =>
    run("Not saved", async () => {
      clearTimeout(validateTimer.current);
      const v = await api<Version>("POST", "/api/v1/policies", {
        policies: text ?? "",
        default_decision: defaultDecision,
        ...(description ? { description } : {}),
        activate,
      });
      setErrors([]);
      setDescription("");
      await loadVersions();
      await show(v.id);
      return `Saved version ${v.number}${activate ? " and activated it" : ""}.`;
    });

  const activate = (v: VersionSummary) =>
    run("Not activated", async () => {
      await api("POST", `/api/v1/policies/${v.id}/activate`);
      await loadVersions();
      return `Version ${v.number} is active: SDKs fetching the bundle get it now.`;
    });

  const rollback = () =>
    run("No rollback", async () => {
      const r = await api<{ version: VersionSummary }>("POST", "/api/v1/policies/rollback");
      await loadVersions();
      return `Rolled back to version ${r.version.number}.`;
    });

  const runReplay = () =>
    run("Replay failed", async () => {
      setReplay(null);
      const r = await api<ReplayAnswer>("POST", "/api/v1/policies/replay", {
        policies: text ?? "",
        default_decision: defaultDecision,
      });
      setReplay(r);
      return `Replayed ${r.evaluated} recorded decisions of the last 7 days.`;
    });

  const show = async (id: string) => {
    const version = await api<Version>("GET", `/api/v1/policies/${id}`);
    const all = await api<{ versions: VersionSummary[] }>("GET", "/api/v1/policies?limit=100");
    const prev = all.versions.find((v) => v.number === version.number - 1);
    const previous = prev ? await api<Version>("GET", `/api/v1/policies/${prev.id}`) : null;
    setShown({ version, previous });
  };

  if (text === null) return <p>Loading…</p>;
  return (
    <div class="policies">
      <section class="card">
        <h2>Editor</h2>
        <PolicyEditor value={text} onInput={edit} errors={errors} testId="policy-text" />
        <div class="toolbar">
          <label>
            Default decision
            <select
              value={defaultDecision}
              data-testid="policy-default"
              onChange={(e) => setDefaultDecision((e.target as HTMLSelectElement).value as "allow" | "deny")}
            >
              <option value="allow">allow (forbid rules deny)</option>
              <option value="deny">deny (permit rules allow)</option>
            </select>
          </label>
          <input
            placeholder="What changed (optional)"
            value={description}
            data-testid="policy-description"
            onInput={(e) => setDescription((e.target as HTMLInputElement).value)}
          />
          <button type="button" onClick={runReplay} data-testid="policy-replay">
            Replay against recorded events
          </button>
          <button type="button" onClick={() => save(false)} data-testid="policy-save">
            Save version
          </button>
          <button type="button" class="primary" onClick={() => save(true)} data-testid="policy-save-activate">
            Save and activate
          </button>
        </div>
        {message && (
          <p class={message.kind} data-testid="policy-message">
            {message.text}
          </p>
        )}
        {replay && <ReplayReport report={replay} />}
      </section>
      <SuggestedRules onChanged={loadActive} />
      <section class="card">
        <div class="detail-head">
          <h2>Versions</h2>
          <button type="button" onClick={rollback} data-testid="policy-rollback">
            Roll back
          </button>
        </div>
        <LegacyClientsNote version={versions.find((v) => v.active)?.id ?? null} />
        <table data-testid="policy-versions">
          <thead>
            <tr>
              <th>#</th>
              <th>Created</th>
              <th>Default</th>
              <th>Description</th>
              <th>Digest</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} data-version={v.number} class={shown?.version.id === v.id ? "selected" : ""}>
                <td>
                  {v.number} {v.active && <span class="badge allow">active</span>}
                </td>
                <td>{dateTime(v.created_at)}</td>
                <td>{v.default_decision}</td>
                <td>{v.description ?? ""}</td>
                <td>
                  <code>{v.digest.slice(7, 19)}</code>
                </td>
                <td class="actions">
                  <button type="button" class="link" onClick={() => show(v.id)}>
                    Diff
                  </button>
                  {!v.active && (
                    <button
                      type="button"
                      class="link"
                      onClick={() => activate(v)}
                      data-testid={`activate-${v.number}`}
                    >
                      Activate
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown && (
          <div>
            <h3>
              Version {shown.version.number}
              {shown.previous ? ` against version ${shown.previous.number}` : " (the first)"}
            </h3>
            <DiffView
              before={shown.previous?.policies ?? ""}
              after={shown.version.policies}
              testId="policy-diff"
            />
            <button
              type="button"
              onClick={() => {
                edit(shown.version.policies);
                setDefaultDecision(shown.version.default_decision);
              }}
            >
              Load into the editor
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
