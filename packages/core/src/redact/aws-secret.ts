import { REDACTED } from "./patterns.js";

// 1: a character of the alphabet of an AWS secret access key (base64 without padding); 2: `=`, which
// continues a run (base64 padding) but means it is something else.
const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = 1;
for (let c = 65; c <= 90; c++) CLASS[c] = 1;
for (let c = 97; c <= 122; c++) CLASS[c] = 1;
CLASS[43] = 1; // +
CLASS[47] = 1; // /
CLASS[61] = 2; // =

/**
 * True for 40 characters that look like an AWS secret access key: only `A-Z a-z 0-9 + /`, with an
 * upper-case letter, a lower-case letter, a digit and at most two `/`. Lower-case hex (a git or SHA-1
 * id) lacks the upper case; a path has more slashes. Other random 40-character tokens match too.
 */
export function isAwsSecretShape(text: string, start = 0, end = text.length): boolean {
  if (end - start !== 40) return false;
  let slashes = 0;
  let upper = false;
  let lower = false;
  let digit = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || CLASS[c] !== 1) return false;
    if (c === 47) slashes++;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
    else if (c >= 48 && c <= 57) digit = true;
  }
  return upper && lower && digit && slashes <= 2;
}

/**
 * Replaces every run of exactly 40 key characters (not part of a longer run of them or of `=`)
 * that isAwsSecretShape accepts. One pass; returns the same string when nothing is replaced.
 */
export function redactAwsSecrets(text: string): string {
  let out = "";
  let copied = 0;
  let run = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c < 128 && CLASS[c] !== 0) {
      if (run < 0) run = i;
      continue;
    }
    if (run >= 0 && i - run === 40 && isAwsSecretShape(text, run, i)) {
      out += text.slice(copied, run) + REDACTED;
      copied = i;
    }
    run = -1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
