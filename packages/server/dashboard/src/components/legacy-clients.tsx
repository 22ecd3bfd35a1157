import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";

interface LeftOut {
  id: string;
  reason: string;
}

/**
 * The rules of the active version that Python SDK 1.x clients (PyPI trusera-sdk <= 1.2.0) do not
 * enforce: their parser reads a narrower rule form, into which the server down-levels what it can
 * (dialects/python-v1-rules.ts). Nothing is shown when every rule reaches them.
 */
export function LegacyClientsNote({ version }: { version: string | null }) {
  const [leftOut, setLeftOut] = useState<LeftOut[]>([]);
  useEffect(() => {
    api<{ left_out: LeftOut[] }>("GET", "/api/v1/compat/python-v1/policies")
      .then((r) => setLeftOut(r.left_out))
      .catch(() => setLeftOut([]));
  }, [version]);
  if (leftOut.length === 0) return null;
  return (
    <div class="hint" data-testid="legacy-left-out">
      Python SDK 1.x clients do not enforce {leftOut.length} rule(s) of the active version (their parser
      cannot express them; newer SDKs enforce all):
      <ul>
        {leftOut.map((l) => (
          <li key={l.id}>
            <code>{l.id}</code>: {l.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
