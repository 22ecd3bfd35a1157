import {
  isJsonObject,
  type Jwks,
  jwksLookup,
  KeyStore,
  type LogReport,
  linkRecords,
  nowIso,
  parseReceipts,
  readReceiptLog,
  type StatePaths,
} from "@trusera/core";
import { verifierLookup } from "./lookup.js";
import { checkLines } from "./parallel.js";

export const BUNDLE_KIND = "transient-trace.receipts";

/** An export of a receipt log: everything another machine needs to verify it offline. */
export interface ReceiptBundle {
  version: 1;
  kind: typeof BUNDLE_KIND;
  exported_at: string;
  /** Every public key of the state directory, retired ones included. */
  jwks: Jwks;
  /** The head checkpoint at export time (the newest receipt as JCS text), or null for an empty log. */
  head: string | null;
  receipts: unknown[];
}

export interface BundleReport extends LogReport {
  /** JWKS entries that could not be used (bad key, kid not the key's thumbprint). */
  rejectedKeys: string[];
}

/** Reads a state directory's log into a bundle. Torn lines (a killed writer's) are not carried over. */
export function makeBundle(paths: StatePaths): { bundle: ReceiptBundle; skipped: number } {
  const { text, head } = readReceiptLog(paths);
  const receipts = parseReceipts(text);
  const lines = text.split("\n").filter((l) => l !== "").length;
  return {
    bundle: {
      version: 1,
      kind: BUNDLE_KIND,
      exported_at: nowIso(),
      jwks: new KeyStore(paths).jwks(),
      head: head ? head : null,
      receipts,
    },
    skipped: lines - receipts.length,
  };
}

/**
 * Verifies a state directory's log: signatures, the chain, and the head checkpoint. With `trusted`
 * (a trust anchor's key ids) only those keys verify; `jwks` replaces the directory's own keys.
 */
export async function verifyStateDir(
  paths: StatePaths,
  { jobs, trusted, jwks }: { jobs?: number; trusted?: readonly string[]; jwks?: Jwks } = {},
): Promise<BundleReport> {
  const { text, head } = readReceiptLog(paths);
  return verifyText(text, jwks ?? new KeyStore(paths).jwks(), head, jobs, trusted);
}

/** The keys a bundle carries (an empty JWKS when it has none); throws TypeError when it is not a bundle. */
export function bundleJwks(bundle: unknown): Jwks {
  assertBundle(bundle);
  return isJsonObject(bundle.jwks) && Array.isArray(bundle.jwks.keys)
    ? (bundle.jwks as unknown as Jwks)
    : { keys: [] };
}

function assertBundle(bundle: unknown): asserts bundle is Record<string, unknown> & { receipts: unknown[] } {
  if (
    !isJsonObject(bundle) ||
    bundle.kind !== BUNDLE_KIND ||
    bundle.version !== 1 ||
    !Array.isArray(bundle.receipts)
  )
    throw new TypeError(
      `not a receipts bundle (expected {"kind": "${BUNDLE_KIND}", "version": 1, "receipts": [...]})`,
    );
}

/**
 * Verifies a bundle offline with the keys it carries or, safer, with `trustedJwks` obtained another
 * way (a bundle's own keys prove only that the bundle is self-consistent).
 */
export async function verifyBundle(
  bundle: unknown,
  { trustedJwks, jobs, trusted }: { trustedJwks?: Jwks; jobs?: number; trusted?: readonly string[] } = {},
): Promise<BundleReport> {
  const jwks = trustedJwks ?? bundleJwks(bundle);
  assertBundle(bundle);
  const text = bundle.receipts.map((r) => `${JSON.stringify(r)}\n`).join("");
  return verifyText(text, jwks, typeof bundle.head === "string" ? bundle.head : undefined, jobs, trusted);
}

async function verifyText(
  text: string,
  jwks: Jwks,
  head: string | undefined,
  jobs?: number,
  trusted?: readonly string[],
): Promise<BundleReport> {
  const { rejected } = jwksLookup(jwks);
  const records = await checkLines(text, jwks, jobs, trusted);
  return { ...linkRecords(records, verifierLookup(jwks, trusted), { text: head }), rejectedKeys: rejected };
}
