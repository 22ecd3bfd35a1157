import { createHash, randomBytes } from "node:crypto";

export const KEY_PREFIX = "tsk_";
const KEY_PATTERN = /^tsk_[A-Za-z0-9_-]{20,128}$/;

/** A new API key: `tsk_` and 32 random base64url characters (192 bits). Shown once, stored only as a hash. */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 6) };
}

/**
 * SHA-256 of the key. A key is 192 random bits, so a fast hash is enough: there is nothing to
 * brute-force the way there is with a password, and every request can afford to check it.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}
