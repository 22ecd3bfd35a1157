import { redactText, redactUrl } from "@trusera/core";
import type { InterceptedLibrary } from "./types.js";

/** One outbound HTTP call as the decision core sees it: nothing secret in it. */
export interface OutboundCall {
  library: InterceptedLibrary;
  /** Upper case. */
  method: string;
  /** The normalized URL with secrets redacted: what the event records and what policies see. */
  url: string;
  /** Lower-case names, credentials redacted. */
  headers: Record<string, string>;
  /**
   * Set only by the fetch wrapper's fast path (no policy to decide with, events built on the event
   * thread): `url` is then what the application passed, unparsed and unredacted, and the event thread
   * normalizes and redacts it before anything records it. Nothing on this thread reads such a URL.
   */
  rawUrl?: true;
}

/** How the active policy set answered one call. */
export interface Verdict {
  decision: "allow" | "deny";
  policyIds: string[];
  /** Why a deny, in words; empty for an allow. */
  reasons: string[];
  /** Whether the call is stopped (a deny in block mode). */
  blocked: boolean;
}

/** The URL without its fragment, which fetch never sends: what is decided and recorded is what leaves. */
export function stripHash(href: string): string {
  const hash = href.indexOf("#");
  return hash < 0 ? href : href.slice(0, hash);
}

// Agents call the same few URLs again and again; parsing and redacting one costs ~1 µs, a lookup ~50 ns.
// Only pure functions of the URL are remembered, for URLs up to MEMO_LENGTH characters, and the memo is
// emptied when it holds MEMO_ENTRIES: memory stays bounded whatever the application calls.
const MEMO_ENTRIES = 256;
const MEMO_LENGTH = 1024;

function memoized(fn: (url: string) => string): (url: string) => string {
  const memo = new Map<string, string>();
  return (url) => {
    if (url.length > MEMO_LENGTH) return fn(url);
    let out = memo.get(url);
    if (out === undefined) {
      out = fn(url); // may throw (an invalid URL): nothing is remembered then
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(url, out);
    }
    return out;
  };
}

/** What fetch sends for a URL it is given: parsed, normalized, without the fragment. Throws as `new URL`. */
export const fetchHref: (url: string) => string = memoized((url) => stripHash(new URL(url).href));

/**
 * The URL an event records and a policy sees: normalized, with passwords, secret-looking query values
 * and secret-shaped path segments redacted. Policies decide on exactly what is recorded, so that a
 * recorded event decides the same way again on the server (`eventToCedarRequest`).
 */
export const safeUrl: (href: string) => string = memoized(redactedUrl);

function redactedUrl(href: string): string {
  const redacted = redactUrl(href);
  const text = redactText(redacted);
  if (text === redacted) return redacted;
  try {
    return new URL(text).href;
  } catch {
    return redacted;
  }
}

/** `METHOD url`, cut to the 512 characters an event name may hold. */
export function eventName(call: OutboundCall): string {
  const name = `${call.method} ${call.url}`;
  return name.length <= 512 ? name : name.slice(0, 512);
}
