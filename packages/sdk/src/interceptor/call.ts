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

/**
 * The URL an event records and a policy sees: normalized, with passwords, secret-looking query values
 * and secret-shaped path segments redacted. Policies decide on exactly what is recorded, so that a
 * recorded event decides the same way again on the server (`eventToCedarRequest`).
 */
export function safeUrl(href: string): string {
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
