import { REDACTED, SECRET_VALUE_PATTERN } from "./patterns.js";

const HAS_SECRET = new RegExp(SECRET_VALUE_PATTERN.source);

/** True when free text contains something shaped like a secret. */
export function containsSecret(text: string): boolean {
  return HAS_SECRET.test(text);
}

/**
 * Replaces every secret-shaped run in free text (a command line, a body, an error message).
 * Returns the same string when there is nothing to replace.
 */
export function redactText(text: string): string {
  if (!HAS_SECRET.test(text)) return text;
  return text.replace(SECRET_VALUE_PATTERN, (match) => {
    // Keep the scheme word so that a reader still sees what kind of credential was there.
    const scheme = /^(Bearer|bearer|Basic|basic)\s/.exec(match);
    return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
  });
}
