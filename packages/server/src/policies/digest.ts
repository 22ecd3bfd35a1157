import { createHash } from "node:crypto";
import type { DefaultDecision } from "../store/types.js";

/** `sha256:<hex>` of a policy text, as versions and the bundle carry it. */
export function policyDigest(text: string): string {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/**
 * The bundle's ETag: the quoted digest. A deny-by-default bundle gets a suffix, because the digest
 * covers the text only and two bundles with one text but different defaults decide differently; a
 * client that echoes the ETag in If-None-Match must not keep the wrong one.
 */
export function bundleEtag(digest: string, defaultDecision: DefaultDecision): string {
  return defaultDecision === "allow" ? `"${digest}"` : `"${digest};default=deny"`;
}

/** True when an If-None-Match header names this ETag (or `*`); weak tags compare by their value. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((raw) => {
    const tag = raw.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
}
