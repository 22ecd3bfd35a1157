import {
  type ChainPosition,
  canonicalJson,
  checkRecord,
  describeRecord,
  type Ed25519Jwk,
  isJsonObject,
  jwksLookup,
  type KeyLookup,
  type LogProblem,
  linkRecords,
  type RecordCheck,
} from "@trusera/core";
import { ApiError, badRequest, notFound } from "../errors.js";
import type { ReceiptChainRecord, Store, StoredReceipt } from "../store/types.js";

export const MAX_RECEIPTS_PER_BATCH = 1000;
const KEYS_TTL_MS = 5000;
const VERIFY_PAGE = 5000;

export interface UploadResult {
  accepted: number;
  duplicates: number;
  chain: { id: string; head_seq: number; head_hash: string; receipts: number };
}

export interface ChainVerification {
  ok: boolean;
  verified_at: string;
  receipts: number;
  last_seq: number;
  problems: LogProblem[];
}

const chainJson = (c: ReceiptChainRecord) => ({
  id: c.id,
  head_seq: c.headSeq,
  head_hash: c.headHash,
  receipts: c.receipts,
});

/**
 * Receipt upload: every receipt is checked with core's verifier (`checkRecord`: shape, Ed25519
 * signature with a key the project registered, snapshot hash) and the batch is linked with core's
 * `linkRecords` onto what the server already holds of its chain. A batch is stored whole or not at
 * all; a refused batch is recorded as a rejection (evidence of a broken or rewritten log). A chain is
 * named by the hash of its first receipt; it only grows at its head, so a log rewritten after an
 * upload (a fork) is refused, even when re-signed with the right key.
 */
export class ReceiptService {
  readonly #keys = new Map<string, { lookup: KeyLookup; until: number }>();

  constructor(private readonly store: Store) {}

  /** Registers the public keys of a JWKS; a key whose kid is not its thumbprint refuses the whole set. */
  async registerKeys(
    projectId: string,
    jwks: { keys: unknown[] },
  ): Promise<{ registered: number; kids: string[] }> {
    const keys = jwks.keys as Ed25519Jwk[];
    const { rejected } = jwksLookup({ keys });
    if (rejected.length > 0)
      throw badRequest(`${rejected.length} key(s) refused; nothing was registered`, rejected);
    const clean = keys.map((k) => ({
      kid: k.kid,
      jwk: JSON.stringify({ kty: k.kty, crv: k.crv, x: k.x, kid: k.kid, alg: "EdDSA", use: "sig" }),
    }));
    const registered = await this.store.receipts.putReceiptKeys(projectId, clean);
    this.#keys.delete(projectId);
    return { registered, kids: clean.map((k) => k.kid) };
  }

  private async lookup(projectId: string): Promise<KeyLookup> {
    const now = Date.now();
    const hit = this.#keys.get(projectId);
    if (hit && hit.until > now) return hit.lookup;
    const keys = (await this.store.receipts.listReceiptKeys(projectId)).map(
      (k) => JSON.parse(k.jwk) as Ed25519Jwk,
    );
    const { lookup } = jwksLookup({ keys });
    if (this.#keys.size > 10_000) this.#keys.clear();
    this.#keys.set(projectId, { lookup, until: now + KEYS_TTL_MS });
    return lookup;
  }

  async upload(projectId: string, receipts: unknown[], claimedChain?: string): Promise<UploadResult> {
    if (receipts.length === 0) throw badRequest("receipts is empty");
    if (receipts.length > MAX_RECEIPTS_PER_BATCH)
      throw badRequest(`a batch holds at most ${MAX_RECEIPTS_PER_BATCH} receipts, got ${receipts.length}`);
    const lookup = await this.lookup(projectId);
    const records = receipts.map((r, i) => checkRecord(r, i + 1, lookup));
    const invalid = records.flatMap((r) => r.problems);
    if (invalid.length > 0) await this.refuse(projectId, null, "receipt_invalid", invalid);

    const first = records[0]!;
    if (first.seq === 1 && claimedChain !== undefined && claimedChain !== first.hash)
      throw badRequest("chain_id is not the hash of the first receipt (seq 1) of this batch");
    let after: (ChainPosition & { chainId: string }) | undefined;
    if (first.seq !== 1) after = await this.predecessor(projectId, first, claimedChain);
    const chainId = after?.chainId ?? first.hash!;
    const linked = linkRecords(records, lookup, undefined, after);
    if (!linked.ok) await this.refuse(projectId, chainId, "chain_broken", linked.problems);

    // Receipts already stored (a retried or repeated upload) are duplicates; the rest must follow them.
    for (let attempt = 0; ; attempt++) {
      const stored = new Set(
        (
          await this.store.receipts.findReceiptsByHash(
            projectId,
            records.map((r) => r.hash!),
          )
        ).map((s) => s.hash),
      );
      const fresh = records.filter((r) => !stored.has(r.hash!));
      const chain = await this.store.receipts.getReceiptChain(projectId, chainId);
      if (fresh.length === 0) {
        return { accepted: 0, duplicates: records.length, chain: chainJson(chain!) };
      }
      const index = records.indexOf(fresh[0]!);
      const before: { seq: number; hash: string } =
        index > 0
          ? { seq: records[index - 1]!.seq!, hash: records[index - 1]!.hash! }
          : (after ?? { seq: 0, hash: "" });
      const result = await this.store.receipts.appendReceipts(projectId, {
        chainId,
        after: before,
        receipts: fresh.map((r) =>
          this.toStored(r, receipts[r.line - 1] as Record<string, unknown>, chainId),
        ),
      });
      if (result.ok) {
        return {
          accepted: fresh.length,
          duplicates: records.length - fresh.length,
          chain: chainJson(result.chain),
        };
      }
      const head = result.head;
      // Another upload of the same receipts may have won the race: look again, once or twice.
      if (attempt < 2 && head && head.seq >= fresh[0]!.seq!) {
        const again = await this.store.receipts.findReceiptsByHash(projectId, [fresh[0]!.hash!]);
        if (again.length > 0) continue;
      }
      const f = fresh[0]!;
      await this.refuse(projectId, chainId, "chain_fork", [
        {
          kind: "chain_link",
          line: f.line,
          receipt_id: f.receipt_id,
          seq: f.seq,
          message: head
            ? `${describeRecord(f)}: the server's copy of this chain already holds a different receipt at seq ${Math.min(f.seq!, head.seq)} (its head is seq ${head.seq}): the log was rewritten after it was uploaded`
            : `${describeRecord(f)}: the chain is not on the server`,
        },
      ]);
    }
  }

  /**
   * The stored receipt a batch continues from: the one at seq - 1 of the named chain (whose hash must
   * be the batch's prev_hash, or the log was rewritten: a fork), else the one whose hash is prev_hash.
   */
  private async predecessor(
    projectId: string,
    first: RecordCheck,
    chainId: string | undefined,
  ): Promise<ChainPosition & { chainId: string }> {
    const seq = first.seq ?? 0;
    if (chainId !== undefined) {
      const [before] = await this.store.receipts.chainReceipts(projectId, chainId, seq - 2, 1);
      if (before && before.seq === seq - 1) {
        if (before.hash !== first.prev_hash) {
          await this.refuse(projectId, chainId, "chain_fork", [
            {
              kind: "chain_link",
              line: first.line,
              receipt_id: first.receipt_id,
              seq,
              message: `${describeRecord(first)}: prev_hash is not the hash of ${before.receiptId} (seq ${before.seq}) as the server received it: the log was rewritten after it was uploaded`,
            },
          ]);
        }
        return {
          seq: before.seq,
          hash: before.hash,
          name: `${before.receiptId} (seq ${before.seq}) on the server`,
          chainId,
        };
      }
    } else {
      const [found] = await this.store.receipts.findReceiptsByHash(projectId, [first.prev_hash ?? ""]);
      if (found)
        return {
          seq: found.seq,
          hash: found.hash,
          name: `seq ${found.seq} on the server`,
          chainId: found.chainId,
        };
    }
    const chain =
      chainId !== undefined ? await this.store.receipts.getReceiptChain(projectId, chainId) : null;
    return this.refuse(projectId, chainId ?? null, "chain_gap", [
      {
        kind: "chain_seq",
        line: 1,
        receipt_id: first.receipt_id,
        seq,
        message: `${describeRecord(first)} follows a receipt this server does not have: upload ${chain ? `from seq ${chain.headSeq + 1}` : "the log from its first receipt"}`,
      },
    ]);
  }

  private toStored(check: RecordCheck, r: Record<string, unknown>, chainId: string): StoredReceipt {
    const intent = isJsonObject(r.intent) ? r.intent : {};
    const decision = isJsonObject(r.decision) ? r.decision : {};
    return {
      hash: check.hash!,
      chainId,
      seq: check.seq!,
      prevHash: check.prev_hash!,
      receiptId: check.receipt_id!,
      kid: check.kid!,
      actorId: String(intent.actor_id ?? ""),
      action: String(intent.action ?? ""),
      actionClass: String(intent.action_class ?? ""),
      outcome: String(decision.outcome ?? ""),
      executionStatus: String(r.execution_status ?? ""),
      occurredAt: String(r.occurred_at ?? ""),
      body: canonicalJson(r),
      receivedAt: Date.now(),
    };
  }

  /** Records the refusal, then throws it: 422 for receipts that do not verify, 409 for a chain conflict. */
  private async refuse(
    projectId: string,
    chainId: string | null,
    code: string,
    problems: LogProblem[],
  ): Promise<never> {
    const p = problems[0]!;
    await this.store.receipts.recordReceiptRejection(projectId, {
      chainId,
      receiptId: p.receipt_id ?? null,
      seq: p.seq ?? null,
      kind: code,
      message: p.message,
    });
    const status = code === "chain_gap" || code === "chain_fork" ? 409 : 422;
    throw new ApiError(status, code, `refused, nothing stored: ${p.message}`, problems.slice(0, 50));
  }

  /**
   * Verifies a stored chain again from its first receipt, with core's verifier over the stored bytes,
   * and checks that it ends at the head the server recorded: rows edited or deleted in the database
   * are found. The result is kept with the chain.
   */
  async verifyChain(projectId: string, chainId: string): Promise<ChainVerification> {
    const chain = await this.store.receipts.getReceiptChain(projectId, chainId);
    if (!chain) throw notFound(`receipt chain ${chainId}`);
    this.#keys.delete(projectId);
    const lookup = await this.lookup(projectId);
    const records: RecordCheck[] = [];
    for (let afterSeq = 0; ; ) {
      const page = await this.store.receipts.chainReceipts(projectId, chainId, afterSeq, VERIFY_PAGE);
      for (const r of page) records.push(checkRecord(r.body, records.length + 1, lookup));
      if (page.length < VERIFY_PAGE) break;
      afterSeq = page.at(-1)!.seq;
    }
    const report = linkRecords(records, lookup);
    const problems = [...report.problems];
    if (report.lastSeq !== chain.headSeq || report.lastHash !== chain.headHash) {
      problems.push({
        kind: "head_mismatch",
        line: records.length + 1,
        message: `the stored chain ends at seq ${report.lastSeq} but the server recorded its head at seq ${chain.headSeq}: stored receipts were removed or changed`,
      });
    }
    const result: ChainVerification = {
      ok: problems.length === 0,
      verified_at: new Date().toISOString(),
      receipts: report.receipts,
      last_seq: report.lastSeq,
      problems: problems.slice(0, 50),
    };
    await this.store.receipts.recordChainVerification(projectId, chainId, JSON.stringify(result));
    return result;
  }
}
