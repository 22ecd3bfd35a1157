/** The text that stands where a secret was. */
export const REDACTED = "[REDACTED]";

/**
 * Header names whose values are credentials. Any other name that mentions a token, secret or key
 * (x-auth-token, x-amz-security-token, openai-api-key, ...) is treated the same.
 */
export const SENSITIVE_HEADER_NAMES: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
]);

export const SENSITIVE_NAME_PATTERN = /token|secret|key|passw|pwd|credential|signature|session|auth|cookie/i;

// Names that match the pattern above but carry no secret; listed so that useful data is not hidden.
const HARMLESS_NAMES: ReadonlySet<string> = new Set([
  "keep-alive",
  "max_tokens",
  "max-tokens",
  "maxtokens",
  "max_completion_tokens",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "input_tokens",
  "output_tokens",
  "tokens",
  "token_count",
  "primary_key",
  "sort_key",
  "keys",
  "key_count",
  "author",
  "authors",
  "session_id",
  "sessionid",
]);

// Answers for names seen before: payloads repeat the same few keys (url, method, status_code, ...),
// and the pattern test was a tenth of the server's work per event. Bounded, as names are input.
const NAME_CACHE_LIMIT = 4096;
const nameCache = new Map<string, boolean>();

/** True when a header, query parameter or object key with this name holds a secret. */
export function isSensitiveName(name: string): boolean {
  const cached = nameCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const answer = SENSITIVE_HEADER_NAMES.has(lower)
    ? true
    : HARMLESS_NAMES.has(lower)
      ? false
      : SENSITIVE_NAME_PATTERN.test(lower);
  if (name.length <= 64) {
    if (nameCache.size >= NAME_CACHE_LIMIT) nameCache.clear();
    nameCache.set(name, answer);
  }
  return answer;
}

/**
 * Values that are secrets whatever they are called: provider API keys, bearer tokens, JWTs, cloud
 * access keys, private key blocks. Kept to shapes with few false positives.
 */
export const SECRET_VALUE_PATTERN = new RegExp(
  [
    String.raw`\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}`, // OpenAI, Anthropic
    String.raw`\btsk_[A-Za-z0-9_-]{16,}`, // Trusera
    String.raw`\bAKIA[0-9A-Z]{16}\b`, // AWS access key id
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`, // GitHub
    String.raw`\bgithub_pat_[A-Za-z0-9_]{30,}`,
    String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`, // Slack
    String.raw`\bAIza[0-9A-Za-z_-]{35}`, // Google
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, // JWT
    String.raw`\b[Bb]earer\s+[A-Za-z0-9._~+/=-]{8,}`,
    String.raw`\b[Bb]asic\s+[A-Za-z0-9+/=]{8,}`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`,
  ].join("|"),
  "g",
);

/**
 * The user info of a URL with a password (`https://user:PASS@host`): group 1 is `://user:`, group 2
 * the password.
 */
export const URL_USERINFO_PATTERN = /(:\/\/[^\s/?#@:]*:)([^\s/?#@[]+)@/g;
