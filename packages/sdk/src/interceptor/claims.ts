import type { OutboundCall, Verdict } from "./call.js";

/** A call decided by a library-level hook (axios) that a transport-level hook will carry out. */
export interface Claim {
  key: string;
  call: OutboundCall;
  verdict: Verdict;
  /** performance.now() when the library-level hook decided. */
  startedAt: number;
  taken: boolean;
}

/**
 * Hands a decision from a library-level hook to the transport-level hook that sees the same request
 * leave (axios -> node:http, or -> fetch), so that the call is decided once, recorded once, and
 * attributed to the library the application called. Matched by method and URL.
 */
export class Claims {
  readonly #byKey = new Map<string, Claim[]>();

  static key(method: string, url: string): string {
    return `${method} ${url}`;
  }

  offer(call: OutboundCall, verdict: Verdict, startedAt: number): Claim {
    const claim: Claim = { key: Claims.key(call.method, call.url), call, verdict, startedAt, taken: false };
    const list = this.#byKey.get(claim.key);
    if (list) list.push(claim);
    else this.#byKey.set(claim.key, [claim]);
    return claim;
  }

  /** True when no claim is open (the usual case). */
  get empty(): boolean {
    return this.#byKey.size === 0;
  }

  /** The oldest open claim for this request, now taken; undefined when there is none (the usual case). */
  take(method: string, url: string): Claim | undefined {
    if (this.#byKey.size === 0) return undefined;
    const key = Claims.key(method, url);
    const list = this.#byKey.get(key);
    const claim = list?.shift();
    if (!claim) return undefined;
    if (list!.length === 0) this.#byKey.delete(key);
    claim.taken = true;
    return claim;
  }

  /** Closes a claim; true when no transport hook took it. */
  withdraw(claim: Claim): boolean {
    if (claim.taken) return false;
    const list = this.#byKey.get(claim.key);
    if (list) {
      const at = list.indexOf(claim);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.#byKey.delete(claim.key);
    }
    return true;
  }
}
