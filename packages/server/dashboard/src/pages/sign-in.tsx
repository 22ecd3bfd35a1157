import { useState } from "preact/hooks";
import { ApiError, api } from "../api.js";
import type { Session } from "../main.js";

/** One field: an admin API key (`tsk_...`) or the dashboard password the operator set. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const value = secret.trim();
      const body = value.startsWith("tsk_") ? { api_key: value } : { password: value };
      onSignedIn(await api<Session>("POST", "/api/v1/session", body));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="sign-in">
      <form onSubmit={submit} class="card">
        <div class="brand">Trusera</div>
        <label for="secret">Admin API key or dashboard password</label>
        <input
          id="secret"
          data-testid="sign-in-secret"
          type="password"
          autocomplete="current-password"
          value={secret}
          onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
          placeholder="tsk_…"
        />
        <button type="submit" disabled={busy || secret.trim() === ""} data-testid="sign-in-submit">
          Sign in
        </button>
        {error && (
          <p class="error" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <p class="hint">
          On a first start the server writes an admin key to <code>.trusera-data/api-key</code>. A password
          works when the operator set <code>TRUSERA_DASHBOARD_PASSWORD</code>.
        </p>
      </form>
    </div>
  );
}
