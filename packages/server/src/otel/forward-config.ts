import { ConfigError } from "../config.js";

/** Where the server forwards the events it stores, as OTLP/HTTP JSON spans (see forwarder.ts). */
export interface OtlpForwardConfig {
  /** The full traces URL, e.g. `http://collector:4318/v1/traces`. */
  url: string;
  /** Headers sent with every export (an API key of the receiving backend). */
  headers: Record<string, string>;
  /** `service.name` of the forwarded spans' resource; each span also names its agent. */
  serviceName: string;
}

/**
 * `TRUSERA_OTLP_FORWARD_URL` (off when unset) and `TRUSERA_OTLP_FORWARD_HEADERS` in the form of
 * `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,key2=value2`, values URL-encoded).
 */
export function otlpForwardFromEnv(env: NodeJS.ProcessEnv): OtlpForwardConfig | null {
  const url = env.TRUSERA_OTLP_FORWARD_URL;
  if (url === undefined || url === "") return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`TRUSERA_OTLP_FORWARD_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new ConfigError("TRUSERA_OTLP_FORWARD_URL must be an http:// or https:// URL");
  const headers: Record<string, string> = {};
  for (const part of (env.TRUSERA_OTLP_FORWARD_HEADERS ?? "").split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq < 1)
      throw new ConfigError("TRUSERA_OTLP_FORWARD_HEADERS must be key=value pairs separated by commas");
    try {
      headers[part.slice(0, eq).trim().toLowerCase()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new ConfigError("TRUSERA_OTLP_FORWARD_HEADERS: a value is not valid URL encoding");
    }
  }
  return { url: parsed.href, headers, serviceName: env.TRUSERA_OTLP_FORWARD_SERVICE || "trusera-server" };
}
