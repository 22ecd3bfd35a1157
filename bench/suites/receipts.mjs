// Issue 6: sealing a receipt (sign + append, target at most 50 µs at the median) and verifying a log
// (target at least 20,000 receipts/s). Baselines: the raw Ed25519 sign / verify of node:crypto on the
// same bytes, the floor no receipt format can go under on this machine.
import { sign, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildActionReceipt,
  canonicalJson,
  checkLogText,
  Governor,
  KeyStore,
  linkRecords,
  ReceiptWriter,
  readReceiptLog,
  signReceipt,
  statePaths,
  verifyStateDir,
} from "transient-trace/receipts";
import { fmtNs, fmtRate, median, row, sampleSync } from "../lib.mjs";

const S = "receipts";

/** An allowed, executed action's receipt body (no chain, no signature) for resource `n`. */
export function receiptBody(n, at = new Date().toISOString()) {
  return buildActionReceipt({
    actorId: "bench-agent",
    connector: "transient-trace/sdk",
    action: "execute",
    actionClass: "read",
    target: { id: `resource-${n}` },
    context: {},
    decision: {
      outcome: "allow",
      block: false,
      mode: "strict",
      reasonCode: "rule:reads",
      ruleIds: ["reads"],
      policyDigest: "0".repeat(64),
    },
    executionStatus: "executed",
    requestedAt: at,
    decidedAt: at,
    correlationId: `bench:${n}`,
  });
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), "tt-bench-"));
  try {
    const writer = new ReceiptWriter(dir);
    const key = writer.keys.signingKey();
    const sample = receiptBody(0);
    const bytes = Buffer.from(canonicalJson(sample));

    const opts = { blocks: 30, perBlock: 200, warmup: 400 };
    const rawSign = median(sampleSync(() => sign(null, bytes, key.privateKey), opts));
    const jcs = median(sampleSync(() => canonicalJson(sample), opts));
    const signOnly = median(
      sampleSync(
        (i) => signReceipt({ ...sample, chain: { seq: i + 1, prev_hash: "0".repeat(64) } }, key),
        opts,
      ),
    );
    const appendOne = median(sampleSync(() => writer.record(sample), opts));
    const full = median(sampleSync((i) => writer.record(receiptBody(i)), opts));
    await writer.close();

    // Verify: the log just written (about 25,000 receipts).
    const paths = statePaths(dir);
    const { text, head } = readReceiptLog(paths);
    const lookup = new KeyStore(paths).lookup();
    const n = text.split("\n").length - 1;
    let t = process.hrtime.bigint();
    const single = linkRecords(checkLogText(text, lookup), lookup, { text: head });
    const singleNs = Number(process.hrtime.bigint() - t);
    if (!single.ok) throw new Error(`bench log did not verify: ${single.problems[0]?.message}`);
    const jobs = availableParallelism();
    t = process.hrtime.bigint();
    const par = await verifyStateDir(paths, jobs);
    const parNs = Number(process.hrtime.bigint() - t);
    if (!par.ok) throw new Error("parallel verify failed");
    const signature = sign(null, bytes, key.privateKey);
    const rawVerify = median(
      sampleSync(() => verify(null, bytes, key.publicKey, signature), {
        blocks: 20,
        perBlock: 100,
        warmup: 200,
      }),
    );

    const governor = await Governor.create({
      policy: {
        version: 1,
        defaultAction: "deny",
        rules: [
          { id: "reads", action: "allow", actionClasses: ["read", "write_low"] },
          { id: "no-rm", action: "deny", commands: ["rm -rf *"] },
        ],
      },
      mode: "strict",
    });
    const decide = median(
      sampleSync(
        () => governor.decide("a", { kind: "command", binary: "git", args: ["status"], cwd: "/w" }),
        {
          blocks: 20,
          perBlock: 500,
          warmup: 1000,
        },
      ),
    );

    const rate = (ns) => (n / ns) * 1e9;
    return [
      row(S, "sign + append, median per receipt", fmtNs(appendOne), {
        baseline: `raw Ed25519 sign ${fmtNs(rawSign)}`,
        target: "<= 50 µs",
        ok: appendOne <= 50_000,
        note: `breakdown (medians of separate runs, so only roughly additive): signReceipt (JCS + sign + splice + SHA-256) ${fmtNs(signOnly)}, of which JCS ${fmtNs(jcs)}; everything but the raw signature ${fmtNs(Math.max(0, appendOne - rawSign))}. The raw Ed25519 sign of node:crypto alone is ${fmtNs(rawSign)} here: the target needs a machine where it is under ~30 µs.`,
      }),
      row(S, "build + sign + append (SDK receipt)", fmtNs(full), { target: "(reported)" }),
      row(S, `verify, 1 thread (${n} receipts)`, fmtRate(rate(singleNs)), {
        baseline: `raw Ed25519 verify ${fmtRate(1e9 / rawVerify)}`,
        target: ">= 20,000/s",
        ok: rate(singleNs) >= 20_000,
      }),
      row(S, `verify, ${jobs} threads (${n} receipts)`, fmtRate(rate(parNs)), {
        baseline: `raw Ed25519 verify x ${jobs} ${fmtRate((1e9 / rawVerify) * jobs)}`,
        target: ">= 20,000/s",
        ok: rate(parNs) >= 20_000,
        note: "Verification is bounded by Ed25519 verify (one per receipt); threads split the signature checks, the chain links stay sequential.",
      }),
      row(S, "Governor.decide (git status), median", fmtNs(decide), { target: "(reported)" }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
