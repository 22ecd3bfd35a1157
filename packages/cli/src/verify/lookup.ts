import { anchoredLookup, type Jwks, jwksLookup, type KeyLookup } from "@trusera/core";

/**
 * The keys a verification uses: the JWKS's, narrowed to the trust anchor's key ids when there is an
 * anchor (`trusted`); a JWKS's own keys prove nothing about who wrote them.
 */
export function verifierLookup(jwks: Jwks, trusted?: readonly string[]): KeyLookup {
  const base = jwksLookup(jwks).lookup;
  return trusted ? anchoredLookup(base, new Set(trusted)) : base;
}
