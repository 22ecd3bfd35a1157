import { readFileSync } from "node:fs";
import { isJsonObject, type Jwks, KeyStore, resolvePath } from "@trusera/core";
import { resolveAnchor, type TrustAnchor } from "../../../verify/anchor.js";
import { type BundleReport, bundleJwks, verifyBundle, verifyStateDir } from "../../../verify/bundle.js";
import type { CommandSpec } from "../../command.js";
import { HELP_FLAG, JSON_FLAG } from "../../command.js";
import { CliError, EXIT, usageError } from "../../errors.js";
import { type CliIo, printJson, processIo } from "../../io.js";
import { cliState } from "../../state.js";

export interface ReceiptsVerifyOptions {
  /** Verify an export (`receipts export`) instead of the local log. */
  bundle?: string;
  /** A JWKS file of keys trusted by other means; then the log's or bundle's own keys are ignored. */
  jwks?: string;
  /** Key ids (thumbprints) trusted by other means: the trust anchor, with the env and the pin file. */
  trust?: string[];
  json?: boolean;
  /** Threads; default: one per CPU. */
  jobs?: number;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * `transient-trace receipts verify`: every signature, the chain from seq 1, and the head checkpoint.
 * @throws {CliError} exit 1 naming the first broken link; exit 3 when only half-written lines were found.
 */
export async function receiptsVerify(
  options: ReceiptsVerifyOptions = {},
  io: CliIo = processIo(),
): Promise<BundleReport & { trust: TrustAnchor }> {
  let report: BundleReport;
  let what: string;
  let trustedJwks: { path: string; jwks: Jwks } | undefined;
  if (options.jwks) {
    const path = resolvePath(options.jwks, io.cwd);
    let j = readJson(path, "JWKS");
    // Also take the output of "keys list --json".
    if (isJsonObject(j) && isJsonObject(j.jwks)) j = j.jwks;
    if (!isJsonObject(j) || !Array.isArray(j.keys))
      throw new CliError(`${options.jwks} is not a JWKS ({"keys": [...]})`);
    trustedJwks = { path, jwks: j as unknown as Jwks };
  }
  let anchor: TrustAnchor;
  if (options.bundle) {
    const path = resolvePath(options.bundle, io.cwd);
    const bundle = readJson(path, "bundle");
    try {
      anchor = resolveAnchor({ ...options, jwks: trustedJwks, env: io.env, carried: bundleJwks(bundle) });
      report = await verifyBundle(bundle, {
        trustedJwks: trustedJwks?.jwks,
        jobs: options.jobs,
        trusted: anchor.anchored ? anchor.kids : undefined,
      });
    } catch (err) {
      if (err instanceof TypeError) throw new CliError(`${path}: ${err.message}`);
      throw err;
    }
    what = path;
  } else {
    const paths = cliState(io);
    const carried = new KeyStore(paths).jwks();
    anchor = resolveAnchor({ ...options, jwks: trustedJwks, env: io.env, stateDir: paths.root, carried });
    report = await verifyStateDir(paths, {
      jobs: options.jobs,
      jwks: trustedJwks?.jwks,
      trusted: anchor.anchored ? anchor.kids : undefined,
    });
    what = paths.log;
  }
  const trust = { anchored: anchor.anchored, sources: anchor.sources, kids: anchor.kids };
  if (options.json) printJson(io, { target: what, report, trust });
  for (const w of anchor.warnings) io.stderr(`warning: ${w}\n`);
  for (const k of report.rejectedKeys) io.stderr(`warning: key not used: ${k}\n`);
  for (const p of report.incomplete) io.stderr(`incomplete: ${p.message}\n`);
  if (!report.ok) {
    for (const p of report.problems.slice(0, 20)) io.stderr(`${p.kind}: ${p.message}\n`);
    if (report.problems.length > 20) io.stderr(`... and ${report.problems.length - 20} more problems\n`);
    throw new CliError(
      `verification FAILED for ${what}: first broken link: ${report.problems[0]!.message}`,
      EXIT.failure,
    );
  }
  const range =
    report.receipts === 0 ? "no receipts" : `${report.receipts} receipts, seq 1-${report.lastSeq}`;
  if (!options.json)
    io.stdout(
      `ok: ${range}, signatures valid, chain intact${report.keys.length ? `, keys ${report.keys.join(", ")}` : ""}${anchor.anchored ? ` (trusted via ${anchor.sources.join(", ")})` : ""}\n`,
    );
  if (!anchor.anchored && report.receipts > 0)
    throw new CliError(
      `WARNING: no trust anchor: the keys that verify ${what} come from the data itself, which whoever rewrote it could have rewritten too, so this proves only that it is self-consistent. Pin the key ids you trust: --trust ${report.keys.join(",") || "KID"} (checked out of band), TRANSIENT_TRACE_TRUSTED_KEYS, --jwks FILE, or the pin file (see docs/receipts-policy.md, "Trust anchor").`,
      EXIT.unanchored,
    );
  if (report.incomplete.length > 0)
    throw new CliError(
      `${report.incomplete.length} half-written line(s) found (a writer was killed mid-write); every receipt verifies and the chain links across them`,
      EXIT.incomplete,
    );
  return { ...report, trust: anchor };
}

export const receiptsVerifyCommand: CommandSpec = {
  name: "receipts verify",
  summary: "Check signatures and the hash chain",
  help: `Usage: transient-trace receipts verify [--bundle FILE] [--trust KID[,KID...]] [--jwks FILE] [--json] [--jobs N]

Checks every receipt's Ed25519 signature (JCS bytes, key by kid), the hash chain (seq 1, 2, 3, ...;
each prev_hash the SHA-256 of the receipt before), each event_snapshot_hash, and that the newest
receipt recorded in the head checkpoint is still there (so cutting the tail is seen). An edited,
deleted, reordered or re-signed receipt, or a cut tail, fails with the first broken link named.

Trust anchor: keys/jwks.json sits in the state directory, so whoever rewrote the log could rewrite
it too. Only keys named outside it are believed: --trust, TRANSIENT_TRACE_TRUSTED_KEYS, --jwks, and
the pin file written when a key is made (TRANSIENT_TRACE_TRUST_FILE, else
$XDG_CONFIG_HOME/transient-trace/trusted-keys.json, else ~/.config/transient-trace/trusted-keys.json).
A receipt signed by any other key fails (untrusted_key). With no anchor at all it warns and exits 4.

Options:
  --bundle FILE   Verify an export made by "receipts export" (offline, with the keys it carries)
  --trust KIDS    Trust these key ids (thumbprints, comma-separated; repeatable), obtained out of band
  --jwks FILE     Verify with these public keys only (a JWKS obtained another way), and trust them
  --jobs N        Threads for large logs [default: one per CPU]
  --json          {"version": 1, "target": ..., "report": {...}} on stdout
  -h, --help      Show this help

Exit codes: 0 valid; 1 verification failed (the first broken link is named); 2 wrong usage;
3 valid, but half-written lines from a killed writer were found (listed on stderr);
4 valid, but no trust anchor named the keys (self-consistent only; a warning says so).
`,
  options: {
    ...HELP_FLAG,
    ...JSON_FLAG,
    bundle: { type: "string" },
    jwks: { type: "string" },
    trust: { type: "string", multiple: true },
    jobs: { type: "string" },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0)
      throw usageError(`receipts verify takes no arguments, got "${positionals.join(" ")}"`);
    let jobs: number | undefined;
    if (values.jobs !== undefined) {
      jobs = Number(values.jobs);
      if (!Number.isInteger(jobs) || jobs < 1)
        throw usageError(`--jobs must be a positive integer, got "${values.jobs}"`);
    }
    await receiptsVerify(
      {
        bundle: values.bundle as string | undefined,
        jwks: values.jwks as string | undefined,
        trust: values.trust as string[] | undefined,
        json: values.json === true,
        jobs,
      },
      io,
    );
  },
};
