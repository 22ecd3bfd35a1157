import { verify } from "node:crypto";
import { isJsonObject } from "../events/validate.js";
import { canonicalJson } from "./canonical.js";
import type { KeyLookup } from "./keys.js";

const SIG_TEXT = /^[A-Za-z0-9_-]{86}$/;

export type SignatureCheck =
  | { ok: true; kid: string /** JCS of the receipt without its signature. */; body: string }
  | {
      ok: false;
      reason: "malformed" | "unknown_key" | "untrusted_key" | "bad_signature";
      message: string;
      kid?: string;
    };

/**
 * Checks a receipt's Ed25519 signature: over the JCS bytes of the receipt minus `signature`, with
 * the key `lookup(kid)` returns. Never throws. Only the signature: see `validateReceipt` for the shape.
 */
export function verifyReceiptSignature(receipt: unknown, lookup: KeyLookup): SignatureCheck {
  if (!isJsonObject(receipt)) return { ok: false, reason: "malformed", message: "not a JSON object" };
  const sig = receipt.signature;
  if (!isJsonObject(sig)) return { ok: false, reason: "malformed", message: "no Ed25519 signature object" };
  if (sig.alg !== "Ed25519")
    return {
      ok: false,
      reason: "malformed",
      message: `unsupported signature alg ${JSON.stringify(sig.alg)}`,
    };
  if (sig.version !== undefined && sig.version !== "ATP-ED25519-1")
    return {
      ok: false,
      reason: "malformed",
      message: `unsupported signature version ${JSON.stringify(sig.version)}`,
    };
  if (sig.canonicalization !== "RFC8785-JCS")
    return {
      ok: false,
      reason: "malformed",
      message: `unsupported canonicalization ${JSON.stringify(sig.canonicalization)}`,
    };
  if (typeof sig.kid !== "string" || sig.kid === "")
    return { ok: false, reason: "malformed", message: "signature has no kid" };
  const kid = sig.kid;
  // 64 bytes in canonical unpadded base64url: a lenient decoder would accept other spellings of them.
  if (typeof sig.sig !== "string" || !SIG_TEXT.test(sig.sig))
    return { ok: false, reason: "malformed", message: "signature value is not 64 bytes of base64url", kid };
  const bytes = Buffer.from(sig.sig, "base64url");
  if (bytes.length !== 64 || bytes.toString("base64url") !== sig.sig)
    return { ok: false, reason: "malformed", message: "signature value is not canonical base64url", kid };
  const key = lookup(kid);
  if (!key)
    return lookup.untrusted?.(kid)
      ? {
          ok: false,
          reason: "untrusted_key",
          message: `signed by key ${kid}, which the trust anchor does not name (a key written into the state directory?)`,
          kid,
        }
      : { ok: false, reason: "unknown_key", message: `signed by unknown key ${kid}`, kid };
  const { signature: _omit, ...rest } = receipt;
  let body: string;
  try {
    body = canonicalJson(rest);
  } catch (err) {
    return { ok: false, reason: "malformed", message: (err as Error).message, kid };
  }
  let good = false;
  try {
    good = verify(null, Buffer.from(body, "utf8"), key, bytes);
  } catch {
    good = false;
  }
  return good
    ? { ok: true, kid, body }
    : {
        ok: false,
        reason: "bad_signature",
        message: `signature does not verify with key ${kid} (content changed after signing)`,
        kid,
      };
}
