import { sign } from "node:crypto";
import { ValidationError } from "../errors.js";
import { canonicalJson } from "./canonical.js";
import { sha256Hex } from "./hash.js";
import type { SigningKey } from "./keys.js";
import type { AtpReceipt, AtpSignature, UnsignedReceipt } from "./types.js";

export interface SignedReceipt<R extends AtpReceipt = AtpReceipt> {
  receipt: R;
  /** JCS of the whole receipt, signature included: the line a log stores. */
  canonical: string;
  /** Hex SHA-256 of `canonical`: the next receipt's `chain.prev_hash`. */
  hash: string;
}

/**
 * Signs a receipt the ATP way: Ed25519 over the JCS bytes of the receipt without `signature`.
 * Returns the signed receipt, its full canonical text and that text's hash, computed with a single
 * canonicalization (the signature member is spliced in at its sorted place).
 */
export function signReceipt<R extends UnsignedReceipt>(
  unsigned: R,
  key: SigningKey,
): SignedReceipt<R & { signature: AtpSignature }> {
  if ("signature" in unsigned) throw new ValidationError(["already has a signature"], "receipt to sign");
  const body = canonicalJson(unsigned);
  const sig = sign(null, Buffer.from(body, "utf8"), key.privateKey).toString("base64url");
  const signature: AtpSignature = {
    alg: "Ed25519",
    version: "ATP-ED25519-1",
    kid: key.kid,
    sig,
    canonicalization: "RFC8785-JCS",
  };
  const receipt = { ...unsigned, signature } as R & { signature: AtpSignature };
  const canonical = withSignature(body, unsigned, signature);
  return { receipt, canonical, hash: sha256Hex(canonical) };
}

/**
 * JCS of `body + signature`. When every other top-level name sorts before "signature" (true of every
 * receipt this project writes), the member goes last and the body text is reused; otherwise the whole
 * receipt is canonicalized again.
 */
export function withSignature(bodyCanonical: string, body: object, signature: AtpSignature): string {
  for (const name of Object.keys(body)) {
    if (name > "signature") return canonicalJson({ ...body, signature });
  }
  const sig = canonicalJson(signature);
  return bodyCanonical === "{}"
    ? `{"signature":${sig}}`
    : `${bodyCanonical.slice(0, -1)},"signature":${sig}}`;
}
