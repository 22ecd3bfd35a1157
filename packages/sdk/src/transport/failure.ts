/**
 * Says in one phrase why a request to the server failed, and what to do about it. The client prints
 * these in its warnings (not only under `debug`): an operator reading "could not reach" after a
 * refused key, or "within 10000 ms" after retries that ran out in 4 s, looks in the wrong place.
 */

/** A request that got no response in time (set by the transport). */
export const TIMEOUT_CODE = "TRUSERA_NO_RESPONSE";

/** A network error's code; Node's happy-eyeballs connect wraps the attempts in an AggregateError. */
function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[] } | undefined;
  if (typeof e?.code === "string") return e.code;
  const first = Array.isArray(e?.errors) ? (e.errors[0] as { code?: unknown } | undefined) : undefined;
  return typeof first?.code === "string" ? first.code : undefined;
}

/** Why a request to `origin` failed without an HTTP answer, with the fix. */
export function describeNetworkError(err: unknown, origin: string): string {
  const code = errorCode(err);
  const host = hostOf(origin);
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused by ${origin}: is trusera-server running there? (check baseUrl / TRUSERA_API_URL)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host ${host} was not found (${code}): check baseUrl / TRUSERA_API_URL`;
    case "ECONNRESET":
    case "EPIPE":
      return `${origin} closed the connection (${code}): is it trusera-server, and is it shutting down?`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
      return `${origin} cannot be reached from this machine (${code}): check the address and any firewall`;
    case TIMEOUT_CODE:
      return `${origin} accepted the connection but did not answer in time (${(err as Error).message}): is the server overloaded?`;
    default:
      if (code && /CERT|TLS|SSL|SELF_SIGNED/.test(code))
        return `TLS with ${origin} failed (${code}): check the certificate, or the scheme of baseUrl`;
      return `request to ${origin} failed: ${(err as Error)?.message ?? String(err)}${code ? ` (${code})` : ""}`;
  }
}

/** Why the server answered with a status the client will not retry, with the fix. */
export function describeRefusal(status: number, body: string, origin: string): string {
  const detail = body.trim().slice(0, 200);
  if (status === 401 || status === 403)
    return (
      `the server at ${origin} refused the API key (${status}${detail ? `: ${detail}` : ""}): ` +
      "check apiKey / TRUSERA_API_KEY (a local server writes its key to <data-dir>/api-key)"
    );
  if (status === 404)
    return `${origin} has no Trusera API at this path (404): check baseUrl / TRUSERA_API_URL (no path, or the server's prefix)`;
  return `the server at ${origin} answered ${status}${detail ? `: ${detail}` : ""}`;
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return origin;
  }
}
