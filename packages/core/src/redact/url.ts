import { isSensitiveName, REDACTED } from "./patterns.js";
import { containsSecret } from "./text.js";

/**
 * A URL with the password of its user info and every secret-looking value of its query and of its
 * fragment (where OAuth's implicit flow puts `access_token=...`) replaced.
 * A string that is not a URL is returned with secret-shaped runs replaced instead.
 */
export function redactUrl(url: string): string {
  if (!url.includes("?") && !url.includes("@") && !url.includes("#")) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/([?&#][^=&#]+)=([^&#]*)/g, (all, name: string, value: string) =>
      isSensitiveName(name.slice(1)) || containsSecret(decodeSafe(value)) ? `${name}=${REDACTED}` : all,
    );
  }
  let changed = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    changed = true;
  }
  const search = redactPairs(parsed.search);
  if (search !== null) {
    parsed.search = search;
    changed = true;
  }
  const hash = redactPairs(parsed.hash);
  if (hash !== null) {
    parsed.hash = hash;
    changed = true;
  }
  return changed ? decodeURIComponentSafeBrackets(parsed.toString()) : url;
}

/** `?a=1&b=2` or `#a=1&b=2` with secret-looking values replaced; null when nothing was. */
function redactPairs(text: string): string | null {
  if (text.length < 2) return null;
  let changed = false;
  const out = text
    .slice(1)
    .split("&")
    .map((part) => {
      const eq = part.indexOf("=");
      if (eq < 0) return part;
      const name = decodeSafe(part.slice(0, eq));
      if (isSensitiveName(name) || containsSecret(decodeSafe(part.slice(eq + 1)))) {
        changed = true;
        return `${part.slice(0, eq)}=${REDACTED}`;
      }
      return part;
    });
  return changed ? `${text[0]}${out.join("&")}` : null;
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
