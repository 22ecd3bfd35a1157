import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  canonicalJson,
  eventSnapshotHash,
  generateSigningKey,
  jwksLookup,
  publicJwk,
  sha256Hex,
  signReceipt,
  validateReceipt,
  verifyReceiptSignature,
} from "@trusera/core";
import { describe, expect, it } from "vitest";

const vector = JSON.parse(
  readFileSync(new URL("./fixtures/atp/canonicalization-signature.v2.json", import.meta.url), "utf8"),
);
const vectorKey = createPublicKey(vector.publicKey);
const lookup = (kid: string) => (kid === vector.kid ? vectorKey : undefined);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every leaf of a JSON value, as a path of keys. */
function leaves(value: Json, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
}

function mutate(root: Json, path: (string | number)[]): Json {
  const copy = structuredClone(root) as Record<string | number, Json>;
  let at = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  const v = at[last];
  if (typeof v === "string") {
    // Flip one character (keeps base64url text well-formed for `sig`).
    const c = v.length > 0 ? (v[v.length - 2] ?? v[0]!) : "";
    at[last] = v.length > 1 ? `${v.slice(0, -2)}${c === "A" ? "B" : "A"}${v.slice(-1)}` : `${v}x`;
  } else if (typeof v === "number") at[last] = v + 1;
  else if (typeof v === "boolean") at[last] = !v;
  else at[last] = "changed";
  return copy;
}

describe("ATP conformance vector", () => {
  it("canonicalizes the receipt to the vector's payload byte for byte (café included)", () => {
    const canonical = canonicalJson(vector.receipt);
    expect(canonical).toBe(vector.canonicalPayload);
    expect(canonical).toContain("café");
    expect(sha256Hex(canonical)).toBe(vector.canonicalPayloadSha256);
  });

  it("accepts the vector's signed receipt, which conforms to the schema", () => {
    expect(validateReceipt(vector.signedReceipt)).toEqual([]);
    expect(verifyReceiptSignature(vector.signedReceipt, lookup)).toMatchObject({ ok: true, kid: vector.kid });
  });

  it("rejects the signed receipt after any one-field change", () => {
    const paths = leaves(vector.signedReceipt);
    expect(paths.length).toBeGreaterThan(30);
    for (const path of paths) {
      const changed = mutate(vector.signedReceipt, path);
      const check = verifyReceiptSignature(changed, lookup);
      expect(check.ok, `changing ${path.join(".")} was not detected`).toBe(false);
    }
  });

  it("rejects a member added or removed outside the signature", () => {
    for (const key of Object.keys(vector.signedReceipt).filter((k) => k !== "signature")) {
      const { [key]: _gone, ...rest } = vector.signedReceipt;
      expect(verifyReceiptSignature(rest, lookup).ok, `removing ${key}`).toBe(false);
    }
    expect(verifyReceiptSignature({ ...vector.signedReceipt, extra: 1 }, lookup).ok).toBe(false);
  });

  it("refuses an unknown key and a non-canonical signature spelling", () => {
    expect(verifyReceiptSignature(vector.signedReceipt, () => undefined)).toMatchObject({
      ok: false,
      reason: "unknown_key",
    });
    const other = generateSigningKey();
    expect(verifyReceiptSignature(vector.signedReceipt, () => other.publicKey)).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });
    const padded = structuredClone(vector.signedReceipt);
    padded.signature.sig += "==";
    expect(verifyReceiptSignature(padded, lookup).ok).toBe(false);
  });

  it("writes event_snapshot_hash by the spec rule (the vector's own value breaks it)", () => {
    const ruled = eventSnapshotHash(vector.receipt.event_snapshot);
    expect(ruled).toBe(sha256Hex(canonicalJson(vector.receipt.event_snapshot)));
    expect(ruled).not.toBe(vector.receipt.event_snapshot_hash);
  });

  it("signs receipts that a verifier given only the JWKS accepts", () => {
    const key = generateSigningKey();
    const { signature: _s, ...unsigned } = vector.signedReceipt;
    const signed = signReceipt({ ...unsigned, chain: { seq: 1, prev_hash: "0".repeat(64) } }, key);
    expect(signed.canonical).toBe(canonicalJson(signed.receipt));
    expect(signed.hash).toBe(sha256Hex(canonicalJson(signed.receipt)));
    const { lookup: fromJwks } = jwksLookup({ keys: [publicJwk(key.publicKey)] });
    expect(verifyReceiptSignature(signed.receipt, fromJwks)).toMatchObject({ ok: true, kid: key.kid });
    expect(signed.receipt.signature).toMatchObject({
      alg: "Ed25519",
      version: "ATP-ED25519-1",
      canonicalization: "RFC8785-JCS",
      kid: key.kid,
    });
    expect(Buffer.from(signed.receipt.signature.sig, "base64url")).toHaveLength(64);
  });

  it("refuses a JWKS entry whose kid is not its thumbprint", () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    const forged = { ...publicJwk(b.publicKey), kid: a.kid };
    const { lookup: l, rejected } = jwksLookup({ keys: [forged] });
    expect(l(a.kid)).toBeUndefined();
    expect(rejected[0]).toMatch(/thumbprint/);
  });
});
