import {
  isInside,
  type Jwks,
  readPins,
  realDir,
  splitKids,
  TRUSTED_KEYS_ENV,
  trustedKeysFromEnv,
  trustFilePath,
} from "@trusera/core";

/** The keys a verification believes, and where that belief comes from (docs/receipts-policy.md). */
export interface TrustAnchor {
  /** False when nothing outside the verified data names a key: the result proves self-consistency only. */
  anchored: boolean;
  /** Key ids the anchor names (empty when not anchored). */
  kids: string[];
  /** e.g. `--trust`, `TRANSIENT_TRACE_TRUSTED_KEYS`, `--jwks FILE`, `pin file FILE`. */
  sources: string[];
  /** Things to tell the user (an unusable pin file). */
  warnings: string[];
}

export interface AnchorInput {
  /** `--trust` values (each may hold several ids, comma-separated). */
  trust?: readonly string[];
  /** A JWKS given with `--jwks`, and its path. */
  jwks?: { path: string; jwks: Jwks };
  env: Record<string, string | undefined>;
  /** The state directory verified; absent for a bundle. */
  stateDir?: string;
  /** The keys the verified data carries (a bundle's JWKS): pins that name none of them do not apply. */
  carried: Jwks;
}

/**
 * Gathers the trust anchor: `--trust`, `TRANSIENT_TRACE_TRUSTED_KEYS`, `--jwks`, and the pins of the
 * user's trust file (for a state directory: its own pins; for a bundle: pins naming one of its keys).
 */
export function resolveAnchor(input: AnchorInput): TrustAnchor {
  const kids = new Set<string>();
  const sources: string[] = [];
  const warnings: string[] = [];
  const add = (ids: readonly string[], source: string) => {
    if (ids.length === 0) return;
    for (const k of ids) kids.add(k);
    sources.push(source);
  };
  add((input.trust ?? []).flatMap(splitKids), "--trust");
  add(trustedKeysFromEnv(input.env), TRUSTED_KEYS_ENV);
  if (input.jwks)
    add(
      input.jwks.jwks.keys.map((k) => k.kid),
      `--jwks ${input.jwks.path}`,
    );

  const file = trustFilePath(input.env);
  if (input.stateDir && isInside(file, input.stateDir)) {
    warnings.push(`the trust file ${file} lies inside the state directory it would vouch for: ignored`);
  } else {
    try {
      const pins = readPins(file);
      const carried = new Set(input.carried.keys.map((k) => k.kid));
      const dir = input.stateDir ? realDir(input.stateDir) : undefined;
      const mine = pins.filter((p) => (dir ? p.state_dir === dir : carried.has(p.kid)));
      add(
        mine.map((p) => p.kid),
        `pin file ${file}`,
      );
    } catch (err) {
      warnings.push(`${(err as Error).message}: its pins are not used`);
    }
  }
  return { anchored: kids.size > 0, kids: [...kids], sources, warnings };
}
