import { isSensitiveName, REDACTED } from "./patterns.js";
import { containsSecret } from "./text.js";

/**
 * A URL with the password of its user info and every secret-looking query value replaced.
 * A string that is not a URL is returned with secret-shaped runs replaced instead.
 */
export function redactUrl(url: string): string {
  if (!url.includes("?") && !url.includes("@")) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/([?&][^=&#]+)=([^&#]*)/g, (all, name: string, value: string) =>
      isSensitiveName(name.slice(1)) || containsSecret(decodeSafe(value)) ? `${name}=${REDACTED}` : all,
    );
  }
  let changed = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    changed = true;
  }
  if (parsed.search) {
    const parts = parsed.search.slice(1).split("&");
    const out = parts.map((part) => {
      const eq = part.indexOf("=");
      if (eq < 0) return part;
      const name = decodeSafe(part.slice(0, eq));
      if (isSensitiveName(name) || containsSecret(decodeSafe(part.slice(eq + 1)))) {
        changed = true;
        return `${part.slice(0, eq)}=${REDACTED}`;
      }
      return part;
    });
    if (changed) parsed.search = `?${out.join("&")}`;
  }
  return changed ? decodeURIComponentSafeBrackets(parsed.toString()) : url;
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

// URL serialization percent-encodes the brackets of the marker; keep it readable.
function decodeURIComponentSafeBrackets(text: string): string {
  return text.replaceAll("%5BREDACTED%5D", REDACTED);
}
