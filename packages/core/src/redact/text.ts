import { redactAssignments } from "./assignments.js";
import { isAwsSecretShape, redactAwsSecrets } from "./aws-secret.js";
import { REDACTED, SECRET_VALUE_PATTERN, URL_USERINFO_PATTERN } from "./patterns.js";

const HAS_SHAPE = new RegExp(SECRET_VALUE_PATTERN.source);
const SCHEME = /^(Bearer|bearer|Basic|basic)\s/;

function replaceShape(match: string): string {
  // Keep the scheme word so that a reader still sees what kind of credential was there.
  const scheme = SCHEME.exec(match);
  return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
}

// Reused by every call (redaction is synchronous): what the steps saw that makes a bare AWS key likely.
const SEEN = { awsOrSecret: false };

/** True when free text contains a secret `redactText` would replace. */
export function containsSecret(text: string): boolean {
  return redactText(text) !== text;
}

/**
 * Replaces every secret in free text (a command line, a body, an error message, a URL):
 * - secret-shaped runs: provider API keys, bearer tokens, JWTs, cloud keys, private key blocks
 *   (SECRET_VALUE_PATTERN);
 * - the password of a URL's user info (`https://user:[REDACTED]@host`);
 * - the value after a sensitive name (`password=…`, `"api_key": "…"`, `?token=…`,
 *   `export OPENAI_API_KEY=…`, `Authorization: token …`): see redactAssignments;
 * - a 40-character AWS secret access key (isAwsSecretShape) when it is the whole text, or when the
 *   text names one (`aws` or `secret`, any case) or holds another secret shape (such as the key id
 *   `AKIA...`). A lone 40-character token in unrelated text is kept, so that ordinary ids are not
 *   hidden everywhere: a key that arrives alone is caught as the whole text, or by its name
 *   (`aws_secret_access_key`) as an object member or an assignment.
 * Each step runs only after a cheap test finds what it needs. Returns the same string when there is
 * nothing to replace; redacting twice changes nothing more.
 */
export function redactText(text: string): string {
  if (text.length === 40 && isAwsSecretShape(text)) return REDACTED;
  let out = text;
  const seen = SEEN;
  seen.awsOrSecret = false;
  if (HAS_SHAPE.test(out)) {
    out = out.replace(SECRET_VALUE_PATTERN, replaceShape);
    seen.awsOrSecret = true;
  }
  const colon = out.includes(":");
  if (colon && out.includes("@") && out.includes("://"))
    out = out.replace(URL_USERINFO_PATTERN, `$1${REDACTED}@`);
  // A name and its value are apart by `=`, `:` or spaces: texts without any (ids, names) skip the scan.
  if (colon || out.includes(" ") || out.includes("=") || out.includes("\t"))
    out = redactAssignments(out, seen);
  return seen.awsOrSecret && out.length > 40 ? redactAwsSecrets(out) : out;
}
