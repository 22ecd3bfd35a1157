import type Database from "better-sqlite3";
import { newId, nowIso } from "../ids.js";
import { type Row, toReceipt, toReceiptChain, toReceiptKey, toRejection } from "../rows.js";
import type {
  AppendReceiptsResult,
  ReceiptChainRecord,
  ReceiptKey,
  ReceiptQuery,
  ReceiptRejection,
  ReceiptStore,
  StoredReceipt,
} from "../types.js";

const RECEIPT_COLUMNS = `project_id, hash, chain_id, seq, prev_hash, receipt_id, kid, actor_id, action, action_class,
  outcome, execution_status, occurred_at, body, received_at`;

/** Uploaded receipts, their chains and the keys that verify them, in SQLite. */
export class SqliteReceipts implements ReceiptStore {
  readonly #db: Database.Database;
  readonly #s;
  readonly #queries = new Map<string, Database.Statement>();
  readonly #append: (
    projectId: string,
    input: { chainId: string; after: { seq: number; hash: string }; receipts: StoredReceipt[] },
  ) => AppendReceiptsResult;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = {
      putKey: db.prepare(
        "INSERT INTO receipt_keys (project_id, kid, jwk, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
      ),
      keys: db.prepare("SELECT * FROM receipt_keys WHERE project_id = ? ORDER BY created_at, kid"),
      chain: db.prepare("SELECT * FROM receipt_chains WHERE project_id = ? AND id = ?"),
      chains: db.prepare("SELECT * FROM receipt_chains WHERE project_id = ? ORDER BY updated_at DESC, id"),
      insertChain: db.prepare(
        `INSERT INTO receipt_chains (project_id, id, actor_id, head_seq, head_hash, receipts, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      moveHead: db.prepare(
        `UPDATE receipt_chains SET actor_id = ?, head_seq = ?, head_hash = ?, receipts = receipts + ?, updated_at = ?
         WHERE project_id = ? AND id = ?`,
      ),
      insertReceipt: db.prepare(
        `INSERT INTO receipts (${RECEIPT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byHash: db.prepare("SELECT hash, chain_id, seq FROM receipts WHERE project_id = ? AND hash = ?"),
      chainReceipts: db.prepare(
        "SELECT * FROM receipts WHERE project_id = ? AND chain_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      ),
      byReceiptId: db.prepare("SELECT * FROM receipts WHERE project_id = ? AND receipt_id = ? LIMIT 1"),
      verified: db.prepare("UPDATE receipt_chains SET last_verification = ? WHERE project_id = ? AND id = ?"),
      reject: db.prepare(
        `INSERT INTO receipt_rejections (id, project_id, chain_id, receipt_id, seq, kind, message, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      rejections: db.prepare(
        "SELECT * FROM receipt_rejections WHERE project_id = ? ORDER BY at DESC, id DESC LIMIT ?",
      ),
    };
    const t = db.transaction(this.appendInTransaction.bind(this));
    this.#append = (...args) => t.immediate(...args);
  }

  async putReceiptKeys(projectId: string, keys: { kid: string; jwk: string }[]): Promise<number> {
    const at = nowIso();
    let added = 0;
    for (const k of keys) added += this.#s.putKey.run(projectId, k.kid, k.jwk, at).changes;
    return added;
  }

  async listReceiptKeys(projectId: string): Promise<ReceiptKey[]> {
    return (this.#s.keys.all(projectId) as Row[]).map(toReceiptKey);
  }

  async findReceiptsByHash(projectId: string, hashes: string[]) {
    const out: { hash: string; chainId: string; seq: number }[] = [];
    for (const hash of hashes) {
      const row = this.#s.byHash.get(projectId, hash) as Row | undefined;
      if (row) out.push({ hash: row.hash as string, chainId: row.chain_id as string, seq: Number(row.seq) });
    }
    return out;
  }

  async getReceiptChain(projectId: string, chainId: string): Promise<ReceiptChainRecord | null> {
    const row = this.#s.chain.get(projectId, chainId) as Row | undefined;
    return row ? toReceiptChain(row) : null;
  }

  async listReceiptChains(projectId: string): Promise<ReceiptChainRecord[]> {
    return (this.#s.chains.all(projectId) as Row[]).map(toReceiptChain);
  }

  async appendReceipts(
    projectId: string,
    input: { chainId: string; after: { seq: number; hash: string }; receipts: StoredReceipt[] },
  ): Promise<AppendReceiptsResult> {
    return this.#append(projectId, input);
  }

  private appendInTransaction(
    projectId: string,
    input: { chainId: string; after: { seq: number; hash: string }; receipts: StoredReceipt[] },
  ): AppendReceiptsResult {
    const row = this.#s.chain.get(projectId, input.chainId) as Row | undefined;
    const head = row ? { seq: Number(row.head_seq), hash: row.head_hash as string } : null;
    const fresh = input.after.seq === 0;
    if (fresh ? head !== null : !head || head.seq !== input.after.seq || head.hash !== input.after.hash) {
      return { ok: false, head };
    }
    const last = input.receipts.at(-1);
    if (!last) return { ok: true, chain: toReceiptChain(row!) };
    const now = nowIso();
    if (fresh) {
      this.#s.insertChain.run(projectId, input.chainId, last.actorId, last.seq, last.hash, 0, now, now);
    }
    for (const r of input.receipts) {
      this.#s.insertReceipt.run(
        projectId,
        r.hash,
        r.chainId,
        r.seq,
        r.prevHash,
        r.receiptId,
        r.kid,
        r.actorId,
        r.action,
        r.actionClass,
        r.outcome,
        r.executionStatus,
        r.occurredAt,
        r.body,
        r.receivedAt,
      );
    }
    this.#s.moveHead.run(
      last.actorId,
      last.seq,
      last.hash,
      input.receipts.length,
      now,
      projectId,
      input.chainId,
    );
    return { ok: true, chain: toReceiptChain(this.#s.chain.get(projectId, input.chainId) as Row) };
  }

  async listReceipts(projectId: string, q: ReceiptQuery): Promise<StoredReceipt[]> {
    const where = ["project_id = ?"];
    const args: unknown[] = [projectId];
    if (q.chainId !== undefined) {
      where.push("chain_id = ?");
      args.push(q.chainId);
    }
    if (q.actorId !== undefined) {
      where.push("actor_id = ?");
      args.push(q.actorId);
    }
    if (q.outcome !== undefined) {
      where.push("outcome = ?");
      args.push(q.outcome);
    }
    if (q.after) {
      where.push("(occurred_at, hash) < (?, ?)");
      args.push(q.after.occurredAt, q.after.hash);
    }
    args.push(q.limit);
    const sql = `SELECT * FROM receipts WHERE ${where.join(" AND ")} ORDER BY occurred_at DESC, hash DESC LIMIT ?`;
    let stmt = this.#queries.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#queries.set(sql, stmt);
    }
    return (stmt.all(...args) as Row[]).map(toReceipt);
  }

  async chainReceipts(projectId: string, chainId: string, afterSeq: number, limit: number) {
    return (this.#s.chainReceipts.all(projectId, chainId, afterSeq, limit) as Row[]).map(toReceipt);
  }

  async getReceipt(projectId: string, receiptId: string): Promise<StoredReceipt | null> {
    const row = this.#s.byReceiptId.get(projectId, receiptId) as Row | undefined;
    return row ? toReceipt(row) : null;
  }

  async recordChainVerification(projectId: string, chainId: string, result: string): Promise<void> {
    this.#s.verified.run(result, projectId, chainId);
  }

  async recordReceiptRejection(
    projectId: string,
    input: Omit<ReceiptRejection, "id" | "projectId" | "at">,
  ): Promise<void> {
    this.#s.reject.run(
      newId("rej"),
      projectId,
      input.chainId,
      input.receiptId,
      input.seq,
      input.kind,
      input.message,
      nowIso(),
    );
  }

  async listReceiptRejections(projectId: string, limit: number): Promise<ReceiptRejection[]> {
    return (this.#s.rejections.all(projectId, limit) as Row[]).map(toRejection);
  }
}
