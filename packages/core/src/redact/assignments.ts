import { isSensitiveName, REDACTED } from "./patterns.js";

/**
 * The words a sensitive name contains (those of SENSITIVE_NAME_PATTERN), and `aws`: each occurrence
 * in free text is a place where `name=value` may begin. (A loop over the characters was measured
 * three times slower than this expression.)
 */
const KEYWORD = /token|secret|key|passw|pwd|credential|signature|session|auth|cookie|aws/gi;

/** How far a name may reach on each side of its key word. */
const MAX_NAME_REACH = 64;

/**
 * What may follow a name: an optional closing quote, then `=` or `:` (with spaces or tabs around),
 * or only spaces; then an optional scheme word (`Bearer`, `Basic`, `token`, `Digest`); then the value,
 * quoted (up to 1,024 characters) or a run that ends at a space, a quote, `&`, `,`, `;`, `}`, `<` or
 * `>` (after an opening quote that is never closed, too). Sticky: it is tried right after a name,
 * never searched for.
 */
const AFTER_NAME =
  /["']?([ \t]{0,8}[=:][ \t]{0,8}|[ \t]{1,8})((?:bearer|basic|token|digest)[ \t]{1,8})?("(?:[^"\\\n]|\\.){1,1024}"|'(?:[^'\\\n]|\\.){1,1024}'|["']?[^\s"'&,;}<>]+)/iy;

// A value after spaces only (`token 9f8e...`) counts only when it looks like a credential, so that
// prose (`the token expired`) and paths are kept: 8 or more token characters, starting with a letter
// or a digit, with a letter and a digit.
const TOKEN_LIKE = /^(?=[^\d]*\d)(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9._~+/=-]{7,}$/;
const LITERALS = new Set(["null", "true", "false", "undefined", "none", "nil"]);

function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45
  );
}

/**
 * Replaces the values of `name=value`, `name: value`, `"name": "value"` and `name <credential>` in
 * free text when the name is sensitive (`isSensitiveName`): `export OPENAI_API_KEY=...`,
 * `password=...` in an error message, `?api_key=...` in a URL, `Authorization: token ...`.
 * A name right after `//` or `@` is a host (`https://keycloak.example.com:8443`) and is left alone.
 * Linear in the text: each key word is looked at once, within a bounded reach.
 */
export function redactAssignments(text: string, seen?: { awsOrSecret: boolean }): string {
  let out = "";
  let copied = 0;
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(text); m !== null; m = KEYWORD.exec(text)) {
    const at = m.index;
    const length = m[0].length;
    if (seen && (length === 3 || length === 6) && /^(?:aws|secret)$/i.test(m[0])) seen.awsOrSecret = true;
    let start = at;
    while (start > copied && at - start < MAX_NAME_REACH && isNameChar(text.charCodeAt(start - 1))) start--;
    let end = at + length;
    while (end < text.length && end - at < MAX_NAME_REACH && isNameChar(text.charCodeAt(end))) end++;
    KEYWORD.lastIndex = end;
    const before = text.charCodeAt(start - 1);
    if (before === 64 || (before === 47 && text.charCodeAt(start - 2) === 47)) continue;
    if (!isSensitiveName(text.slice(start, end))) continue;
    AFTER_NAME.lastIndex = end;
    const after = AFTER_NAME.exec(text);
    if (after === null) continue;
    const [whole, separator, scheme, value] = after as unknown as [
      string,
      string,
      string | undefined,
      string,
    ];
    const valueAt = end + whole.length - value.length;
    const quote = value[0] === '"' || value[0] === "'" ? value[0] : "";
    const closed = quote !== "" && value.length > 1 && value.endsWith(quote);
    const bare = quote === "" ? value : value.slice(1, closed ? -1 : undefined);
    if (bare.startsWith(REDACTED) || bare.startsWith("//") || LITERALS.has(bare.toLowerCase())) {
      KEYWORD.lastIndex = valueAt + value.length;
      continue;
    }
    // Prose: look for names inside the word that followed, not past it.
    if (!/[=:]/.test(separator) && !scheme && !TOKEN_LIKE.test(bare)) continue;
    out += `${text.slice(copied, valueAt)}${quote}${REDACTED}${closed ? quote : ""}`;
    copied = valueAt + value.length;
    KEYWORD.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
