import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";

/** An Ed25519 public key as a JWK (RFC 8037), with our bookkeeping members. */
export interface Ed25519Jwk {
  kty: "OKP";
  crv: "Ed25519";
  /** base64url of the 32 public key bytes. */
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
  /** When the key was made (ISO-8601). */
  created_at?: string;
  /** `active` signs new receipts; `retired` keys only verify old ones (after `keys rotate`). */
  status?: "active" | "retired";
  retired_at?: string;
}

export interface Jwks {
  keys: Ed25519Jwk[];
}

/** A key pair ready to sign. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Finds the public key of a `kid`, or undefined when it is not known. `untrusted(kid)` is true for a
 * key that is known but left out by a trust anchor (see `anchoredLookup`), so the fault can say so.
 */
export type KeyLookup = ((kid: string) => KeyObject | undefined) & { untrusted?: (kid: string) => boolean };

/**
 * RFC 7638 thumbprint of an Ed25519 public key: base64url SHA-256 of `{"crv","kty","x"}` in that
 * order. Used as `kid`, so the id is bound to the key: swapping a key file changes the id.
 */
export function jwkThumbprint(x: string): string {
  return createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest("base64url");
}

/** The public JWK of a key, `kid` set to its thumbprint. */
export function publicJwk(publicKey: KeyObject, createdAt?: string): Ed25519Jwk {
  const jwk = publicKey.export({ format: "jwk" }) as { kty?: string; crv?: string; x?: string };
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new TypeError("not an Ed25519 public key");
  }
  const out: Ed25519Jwk = {
    kty: "OKP",
    crv: "Ed25519",
    x: jwk.x,
    kid: jwkThumbprint(jwk.x),
    alg: "EdDSA",
    use: "sig",
  };
  if (createdAt) out.created_at = createdAt;
  return out;
}

/** A fresh Ed25519 key pair. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { kid: publicJwk(publicKey).kid, privateKey, publicKey };
}

/** A public KeyObject from a JWK; throws when it is not a valid Ed25519 key. */
export function publicKeyFromJwk(jwk: Pick<Ed25519Jwk, "x">): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" });
}

/**
 * A lookup over a JWKS. A key whose `kid` is not its own thumbprint is refused (it would let a
 * swapped key pose under an old id); keys the lookup could not read are listed in `rejected`.
 */
export function jwksLookup(jwks: Jwks): { lookup: KeyLookup; rejected: string[] } {
  const byKid = new Map<string, KeyObject>();
  const rejected: string[] = [];
  for (const jwk of jwks.keys ?? []) {
    try {
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") throw new Error("not an Ed25519 key");
      if (jwkThumbprint(jwk.x) !== jwk.kid) throw new Error("kid is not the key's thumbprint");
      byKid.set(jwk.kid, publicKeyFromJwk(jwk));
    } catch (err) {
      rejected.push(`${jwk?.kid ?? "(no kid)"}: ${(err as Error).message}`);
    }
  }
  return { lookup: (kid) => byKid.get(kid), rejected };
}

/**
 * A lookup that finds only the keys a trust anchor names (`trusted` key ids); the others of `base`
 * are reported as untrusted rather than unknown.
 */
export function anchoredLookup(base: KeyLookup, trusted: ReadonlySet<string>): KeyLookup {
  const lookup: KeyLookup = (kid) => (trusted.has(kid) ? base(kid) : undefined);
  lookup.untrusted = (kid) => !trusted.has(kid) && base(kid) !== undefined;
  return lookup;
}
